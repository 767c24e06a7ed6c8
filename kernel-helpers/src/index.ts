/**
 * @jupyterlab-globus-kit/kernel-helpers — Globus in tslab notebook cells.
 *
 * Public surface only: everything here is re-exported from the modules that own it.
 */
export {
  connect,
  GlobusSession,
  hubNoTokensMessage,
  loadStoredLogin,
  NO_CREDENTIALS_MESSAGE,
  SERVER_NO_CREDENTIALS_MESSAGE
} from './session';
export type {
  IConnectOptions,
  IIdentityVerification,
  ISessionSummary,
  SessionSource
} from './session';

// Standalone login (PKCE native app), the shared token file and the refresh authorizer.
export {
  DEFAULT_LOGIN_SCOPES,
  completeLogin,
  login,
  logout,
  startLogin,
  storeTokenResponse
} from './login/native-login';
export type {
  ICompleteLoginOptions,
  ILoginContextOptions,
  ILoginFunction,
  ILoginOptions,
  ILoginResult,
  ILoginStart,
  ILogoutResult
} from './login/native-login';
export { LoginError, RELOGIN_REMEDY, isLoginError } from './login/login-error';
export type { ILoginErrorInit, LoginErrorCode } from './login/login-error';
export {
  TOKEN_FILE_FORMAT,
  TOKEN_FILE_VERSION,
  TokenFile,
  jupyterDataDir,
  tokenFilePath
} from './login/token-file';
export type { IStoredIdentity, IStoredToken, ITokenFileDocument } from './login/token-file';
export { RefreshAuthorizer, tokenFromStored } from './login/refresh-authorizer';
export type { IRefreshAuthorizerOptions, IRequestAuthorizer } from './login/refresh-authorizer';
export { buildAuthorizeUrl, makePkcePair, pkceChallenge } from './login/oauth';
export {
  BROKER_SECRET_VAR,
  BROKER_URL_VAR,
  BrokerAuthorizer,
  brokerConfig,
  brokerStatus,
  brokerToken
} from './login/token-broker';
export type { IBrokerConfig, IBrokerStatus, IBrokerToken } from './login/token-broker';

export { GlobusKitError, isGlobusKitError } from './errors/globus-kit-error';
export type { IGlobusKitErrorOptions } from './errors/globus-kit-error';
export { GlobusApiError, isGlobusApiError } from './errors/api-error';
export type { GlobusServiceName, IGlobusApiErrorInit } from './errors/api-error';
export { ConsentRequiredError, isConsentRequiredError } from './errors/consent-required-error';
export type {
  IAuthorizationParameters,
  IConsentRequiredErrorInit
} from './errors/consent-required-error';
export { TokenExpiredError, isTokenExpiredError } from './errors/token-expired-error';
export type { CredentialSource, ITokenExpiredErrorInit } from './errors/token-expired-error';
export {
  AbortError,
  NetworkError,
  TimeoutError,
  isAbortError,
  isNetworkError,
  isTimeoutError
} from './errors/network-error';
export { BadInputError, isBadInputError } from './errors/bad-input-error';
export { GlobusDataError, isGlobusDataError } from './errors/globus-data-error';
export { CsvError, isCsvError } from './errors/csv-error';
export type { CsvErrorReason, ICsvErrorOptions } from './errors/csv-error';

export { decodeGlobusData, HUB_GAVE_NO_TOKENS } from './globus-data';
export type { INormalisedGlobusData, INormalisedIdentity, INormalisedToken } from './globus-data';

export {
  GlobusScopes,
  formatScope,
  formatScopes,
  makeScope,
  parseScopes,
  resourceServerOfScope
} from './tokens/scopes';
export type { IScope } from './tokens/scopes';
export { Token, fingerprintOf, DEFAULT_EXPIRING_WINDOW_SECONDS } from './tokens/token';
export type {
  ExpirySource,
  ITokenInit,
  ITokenOptions,
  ITokenStatusOptions,
  ITokenSummary,
  TokenStatus
} from './tokens/token';
export { TokenSet } from './tokens/token-set';
export { buildConsentUrl, consentStatus } from './tokens/consents';
export type { IConsentStatusEntry, IConsentUrlOptions } from './tokens/consents';

export { request } from './http/request';
export type {
  IHttpResponse,
  IProgress,
  IRequestOptions,
  QueryValue,
  RawBody,
  ResponseType
} from './http/request';
export { DEFAULT_RETRY_POLICY } from './http/retry';
export type { IRetryPolicy } from './http/retry';
export { serviceBaseUrl } from './http/service-urls';
export type { FixedServiceName } from './http/service-urls';

export type { ICallOptions, IServiceContext } from './services/service-context';
export { AuthClient } from './services/auth/auth-client';
export type { IdentityQuery } from './services/auth/identities';
export type { IGetConsentsOptions } from './services/auth/consents';
export type { IIntrospectOptions } from './services/auth/introspect';
export type {
  IConsentDocument,
  IIdentityDocument,
  IIntrospectDocument,
  IUserinfoDocument,
  IUserinfoIdentity
} from './services/auth/types';
export { TransferClient } from './services/transfer/transfer-client';
export type { IRemoveOptions } from './services/transfer/transfer-client';
export type {
  CollectionSearchScope,
  ICollectionSearchOptions
} from './services/transfer/collections';
export type { ILsOptions, IMkdirOptions } from './services/transfer/file-operations';
export type {
  IDeleteSpec,
  ITransferItem,
  ITransferSpec
} from './services/transfer/task-submission';
export type {
  ITaskEventsOptions,
  ITaskListOptions,
  IWaitForTaskOptions,
  TaskRef
} from './services/transfer/tasks';
export type {
  CollectionRef,
  IEndpointDocument,
  IEventDocument,
  IFileDocument,
  IFileListDocument,
  IResultDocument,
  ISubmissionResult,
  ITaskDocument
} from './services/transfer/types';
export { HttpsClient, encodeCollectionPath } from './services/gcs/https-client';
export type {
  IByteRange,
  IDownload,
  IDownloadOptions,
  IUploadOptions,
  IUploadResult,
  UploadData
} from './services/gcs/https-client';

export { isDisplaySink } from './display/sink';
export type { IDisplay, IDisplaySink } from './display/sink';

// Data building blocks the verbs are made of (usable on their own in cells and scripts).
export { Table, TABLE_JSON_ROWS } from './flow/table';
export type {
  CellValue,
  ColumnStorage,
  ColumnType,
  ITableColumn,
  ITableJson,
  ITableOptions,
  ITableWarning,
  TableRow
} from './flow/table';
export { parseCsvStream } from './flow/csv';
export type { CsvSource, ICsvParseOptions, ICsvProgress } from './flow/csv';
export {
  Chart,
  DOWNSAMPLE_BINS,
  DOWNSAMPLE_THRESHOLD,
  VEGALITE_MIME,
  buildChartSpec
} from './flow/plot';
export type { IDownsampleInfo, IPlotSpec, IPngOptions, VegaLiteSpec } from './flow/plot';
export {
  HtmlBundle,
  escapeHtml,
  formatBytes,
  formatDate,
  isWebUrl,
  joinHtml,
  keyValueHtml,
  linkHtml,
  valueHtml
} from './display/html';
export type { DisplayValue, IMimeBundle } from './display/html';
export { tableHtml } from './display/table-html';
export type { ITableHtmlOptions } from './display/table-html';
export { progressHtml } from './display/progress-html';
export type { IProgressState } from './display/progress-html';
export { errorHtml } from './display/error-html';
export { ProgressReporter } from './display/progress';
export type { IProgressReporterOptions, ProgressUpdate } from './display/progress';

// Notebook verbs (methods of GlobusSession; the functions take the session as first argument).
export { whoami, whoamiHtml } from './flow/whoami';
export type { IWhoamiIdentity, IWhoamiResult, IWhoamiToken } from './flow/whoami';
export { fetchCsv } from './flow/fetch-csv';
export type { CsvFetchSource, ICollectionPath, IFetchCsvOptions } from './flow/fetch-csv';
export { plot } from './flow/plot-chart';
export { upload } from './flow/upload';
export type { ILocalFile, IUploadVerbOptions, IUploadVerbResult, UploadInput } from './flow/upload';
export { link, linksFor, webAppUrl, WEB_APP_FILE_MANAGER } from './flow/link';
export type { ILinkResult } from './flow/link';
export { share } from './flow/share';
export type { IShareOptions, IShareResult } from './flow/share';
export { ls } from './flow/ls';
export type { ILsVerbOptions } from './flow/ls';
export { transfer, taskUrl } from './flow/transfer-task';
export type { ITransferVerbOptions } from './flow/transfer-task';
export type { CallableTransferClient } from './flow/callable-transfer';
export { CollectionNameError, resolveCollection } from './flow/resolve-collection';
export type { CollectionInput } from './flow/resolve-collection';
export { shortenForNotebook } from './flow/verb-context';
export type { IVerbContext, IVerbOptions } from './flow/verb-context';

// Beyond Globus (#9): any OIDC provider and its platform's S3 workspaces.
export { connectOidc, OidcSession } from './oidc/oidc-session';
export type {
  IConnectOidcOptions,
  IOidcLoginFunction,
  IOidcTokenSummary,
  IOidcWhoami
} from './oidc/oidc-session';
export { DEFAULT_OIDC_SCOPES, isLoopbackHost, oidcTokenFilePath } from './oidc/oidc-config';
export type { OidcCredentialSource } from './oidc/oidc-credentials';
export type { IOidcLoginOptions, IOidcLoginResult, IOidcLoginStart } from './oidc/oidc-login';
export type { IOidcProviderMetadata, IOidcUserinfo } from './oidc/oidc-provider';
export { OidcError, isOidcError, OIDC_RELOGIN_REMEDY } from './oidc/oidc-error';
export type { IOidcErrorInit, OidcErrorCode } from './oidc/oidc-error';
export { PlatformClient } from './workspaces/platform-client';
export type {
  IPlatformUserInfo,
  IWorkspaceDocument,
  IWorkspaceRef
} from './workspaces/platform-client';
export { Workspace } from './workspaces/workspace';
export { workspaceInfoOf } from './workspaces/workspace-info';
export type {
  ISignedUrl,
  ISignedUrlOptions,
  IWorkspaceDownload,
  IWorkspaceFileDownload,
  IWorkspaceInfo,
  IWorkspaceLsOptions,
  IWorkspaceOptions,
  IWorkspaceProgress,
  IWorkspaceUploadOptions,
  IWorkspaceUploadResult,
  WorkspaceUploadInput
} from './workspaces/workspace-types';
export { WorkspaceCredentials } from './workspaces/workspace-credentials';
export type {
  IRevealedS3Credentials,
  IWorkspaceCredentialsSummary
} from './workspaces/workspace-credentials';
export { WorkspaceError, isWorkspaceError } from './workspaces/workspace-error';
export type { IWorkspaceErrorInit, WorkspaceErrorCode } from './workspaces/workspace-error';
export { checkRelativeKey } from './workspaces/workspace-keys';
export { isWorkspaceKey } from './workspaces/workspace-verbs';
export type {
  IWorkspaceKey,
  IWorkspaceLinkOptions,
  IWorkspaceUploadVerbOptions,
  IWorkspaceVerbContext
} from './workspaces/workspace-verbs';
