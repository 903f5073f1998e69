import type * as vscode from 'vscode';
import type { MlflowAuth } from './mlflow/connection';
import type { AuthKind } from './connectionState';

/**
 * Credentials per tracking server, in VS Code's SecretStorage (the OS keychain where there is one).
 * Settings name only the auth kind; this is the one place the secret is read or written.
 */
export class CredentialStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  private key(uri: string): string {
    return `phi3Mlflow.credentials:${uri}`;
  }

  async get(uri: string, kind: AuthKind): Promise<MlflowAuth | undefined> {
    if (kind === 'none') return { kind: 'none' };
    const stored = await this.secrets.get(this.key(uri));
    if (!stored) return undefined;
    try {
      const auth = JSON.parse(stored) as MlflowAuth;
      if (kind === 'basic' && auth.kind === 'basic') return auth;
      if (kind === 'token' && auth.kind === 'bearer') return auth;
    } catch {
      // A corrupt entry is as good as none: the user is asked again.
    }
    return undefined;
  }

  async store(uri: string, auth: MlflowAuth): Promise<void> {
    if (auth.kind === 'none') await this.secrets.delete(this.key(uri));
    else await this.secrets.store(this.key(uri), JSON.stringify(auth));
  }

  async delete(uri: string): Promise<void> {
    await this.secrets.delete(this.key(uri));
  }
}

export function authKindOf(auth: MlflowAuth): AuthKind {
  return auth.kind === 'bearer' ? 'token' : auth.kind;
}
