import type { ServerInfo } from './mlflow/serverProbe';
import type { TrackingUri } from './mlflow/trackingUri';

/** Where the extension stands with its tracking server; the status bar and the views' welcome content follow it. */
export type ConnectionState =
  | { readonly kind: 'disconnected' }
  | { readonly kind: 'connecting'; readonly uri: TrackingUri }
  | { readonly kind: 'connected'; readonly uri: TrackingUri; readonly server: ServerInfo }
  | { readonly kind: 'unreachable'; readonly uri: TrackingUri; readonly message: string };
