import type { ServerInfo } from './mlflow/serverProbe';
import type { TrackingUri } from './mlflow/trackingUri';

/** How a saved connection signs in; the secrets themselves live in VS Code's SecretStorage. */
export type AuthKind = 'none' | 'basic' | 'token';

/** Where the extension stands with its tracking server; the status bar, the views and their welcome content follow it. */
export type ConnectionState =
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'connecting'; readonly uri: TrackingUri }
  | { readonly kind: 'connected'; readonly uri: TrackingUri; readonly server: ServerInfo; readonly authKind: AuthKind }
  | { readonly kind: 'unreachable'; readonly uri: TrackingUri; readonly message: string }
  | { readonly kind: 'authFailed'; readonly uri: TrackingUri; readonly message: string; readonly authKind: AuthKind };
