// A small typed client for userplan: fetch and WebSocket only, no library. The operations
// come from ./operations.ts; their result and variables types come with them, so a wrong
// variable or a misspelt field is a compile error.
//
// Persisted documents: every request sends only the document's hash,
//   {"operationName": "...", "variables": {...},
//    "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}
// where <hex> is a key of src/gql/persisted-documents.json (the SHA-256 of the document
// text stored there). A server that does not know the hash answers
// "PersistedQueryNotFound"; the client then sends the full text once (unless
// `sendQueryIfUnknown: false`).
import type { MembershipRole, TypedDocumentString } from './gql/graphql';
import { AddPlansToUserMutation, CreateUserMutation, ListUsersQuery, MembershipChangedSubscription } from './operations';

/** The `extensions.code` values userplan's errors carry. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR'
  | (string & {});

export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: ErrorCode; ids?: string[]; [key: string]: unknown };
}

interface GraphQLResponse<TResult> {
  data?: TResult | null;
  errors?: GraphQLErrorEntry[];
}

/** A request that came back with errors (or no GraphQL response at all). */
export class UserplanError extends Error {
  constructor(
    readonly errors: GraphQLErrorEntry[],
    readonly status: number,
  ) {
    super(errors.map((error) => error.message).join('; ') || `HTTP ${status}`);
    this.name = 'UserplanError';
  }

  /** The codes of the errors, e.g. ['NOT_FOUND']. */
  get codes(): ErrorCode[] {
    return this.errors.flatMap((error) => (error.extensions?.code ? [error.extensions.code] : []));
  }
}

/**
 * The bearer credential: the service's API token, or a signed-in user's JWT. A function is
 * asked before every request and every WebSocket connection, so it can hand out a fresh
 * JWT (from the identity provider's SDK, say) when the last one is about to expire.
 */
export type TokenSource = string | (() => string | Promise<string>);

async function tokenOf(source: TokenSource | undefined): Promise<string | undefined> {
  return typeof source === 'function' ? await source() : source;
}

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. "https://userplan.example/graphql". */
  url: string;
  /** Sent as "Authorization: Bearer <token>" (an API token or a user's JWT). */
  token?: TokenSource;
  /** Send the full document when the server does not know its hash (default true). */
  sendQueryIfUnknown?: boolean;
  fetch?: typeof fetch;
}

export interface Client {
  execute<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult>;
}

/** The hash the client preset put on the document (presetConfig.persistedDocuments). */
export function documentHash<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>): string {
  const hash: unknown = document.__meta__?.['hash'];
  if (typeof hash !== 'string') {
    throw new Error('this document has no persisted-document hash: is it a fragment, or was codegen run without persistedDocuments?');
  }
  return hash;
}

/** The name of the document's operation (documents hold one operation and its fragments). */
function operationName(text: string): string | undefined {
  return /\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(text)?.[1];
}

function isUnknownHash(errors: GraphQLErrorEntry[] | undefined): boolean {
  return (errors ?? []).some(
    (error) => error.message === 'PersistedQueryNotFound' || error.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND',
  );
}

export function createClient(options: ClientOptions): Client {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  async function post<TResult>(body: unknown): Promise<{ status: number; response: GraphQLResponse<TResult> }> {
    const headers: Record<string, string> = {
      accept: 'application/graphql-response+json, application/json',
      'content-type': 'application/json',
    };
    const token = await tokenOf(options.token);
    if (token) headers['authorization'] = `Bearer ${token}`;
    const reply = await fetchImpl(options.url, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await reply.text();
    try {
      return { status: reply.status, response: JSON.parse(text) as GraphQLResponse<TResult> };
    } catch {
      throw new UserplanError([{ message: `not a GraphQL response: ${text.slice(0, 200)}` }], reply.status);
    }
  }

  return {
    async execute<TResult, TVariables>(
      document: TypedDocumentString<TResult, TVariables>,
      variables: TVariables,
    ): Promise<TResult> {
      const text = document.toString();
      const name = operationName(text);
      let { status, response } = await post<TResult>({
        operationName: name,
        variables,
        extensions: { persistedQuery: { version: 1, sha256Hash: documentHash(document) } },
      });
      if (isUnknownHash(response.errors) && options.sendQueryIfUnknown !== false) {
        ({ status, response } = await post<TResult>({ query: text, operationName: name, variables }));
      }
      if (response.errors?.length || response.data == null) {
        throw new UserplanError(response.errors ?? [], status);
      }
      return response.data;
    },
  };
}

// ---- subscriptions ------------------------------------------------------------------

export interface SubscriptionOptions {
  /** The WebSocket endpoint, e.g. "wss://userplan.example/graphql/ws". */
  url: string;
  /** Sent in connection_init as {"Authorization": "Bearer <token>"}: a browser cannot
   * put headers on a WebSocket. */
  token?: TokenSource;
  onError?: (error: UserplanError) => void;
}

/** graphql-transport-ws's close code for a missing, refused or expired token. */
const FORBIDDEN = 4403;

/**
 * Subscribes over graphql-transport-ws (no library) and calls `onNext` with each result;
 * returns the function that stops. When the server closes the socket with 4403 after it
 * accepted the token (the token expired), this reconnects at once with a fresh token from
 * `token`; a token refused at connection_init is reported to `onError` instead. Events
 * between the close and the new subscription are not replayed: reload what you display.
 */
export function subscribe<TResult, TVariables>(
  options: SubscriptionOptions,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  onNext: (result: TResult) => void,
): () => void {
  let socket: WebSocket | undefined;
  let stopped = false;
  const fail = (message: string) => options.onError?.(new UserplanError([{ message }], 0));

  async function connect() {
    const token = await tokenOf(options.token);
    if (stopped) return;
    const current = new WebSocket(options.url, 'graphql-transport-ws');
    socket = current;
    let acknowledged = false;
    const send = (message: unknown) => current.send(JSON.stringify(message));
    current.onopen = () => send({ type: 'connection_init', payload: token ? { Authorization: `Bearer ${token}` } : {} });
    current.onmessage = ({ data }) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        acknowledged = true;
        send({ id: '1', type: 'subscribe', payload: { query: document.toString(), variables } });
      } else if (message.type === 'ping') {
        send({ type: 'pong' });
      } else if (message.type === 'next') {
        const result = message.payload as GraphQLResponse<TResult>;
        if (result.errors?.length || result.data == null) options.onError?.(new UserplanError(result.errors ?? [], 0));
        else onNext(result.data);
      } else if (message.type === 'error') {
        options.onError?.(new UserplanError(message.payload as GraphQLErrorEntry[], 0));
      }
    };
    current.onclose = ({ code, reason }) => {
      if (stopped || socket !== current) return;
      if (code === FORBIDDEN && acknowledged) void connect();
      else fail(`the subscription's socket closed with ${code}${reason ? `: ${reason}` : ''}`);
    };
  }

  void connect();
  return () => {
    stopped = true;
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: '1', type: 'complete' }));
    socket?.close(1000);
  };
}

// ---- an example for a frontend -----------------------------------------------------

/**
 * Creates a user, gives it two plans as ADMIN, and returns the first page of users
 * whose name contains "Ada", newest first. Every value below is typed from the schema:
 * `created.id` is a string (UUID), `linked.addedPlanIds` a string[], `page.edges` the
 * fields ListUsers selects, and `role` only accepts 'OWNER' | 'ADMIN' | 'MEMBER'.
 */
export async function onboardUser(client: Client, email: string, planIds: string[]) {
  const { createUser: created } = await client.execute(CreateUserMutation, {
    input: { email, name: 'Ada Lovelace' },
  });

  const role: MembershipRole = 'ADMIN';
  const { addPlansToUser: linked } = await client.execute(AddPlansToUserMutation, {
    userId: created.id,
    planIds,
    role,
  });
  console.log(`${linked.user.email} is in ${linked.user.planCount} plan(s); added ${linked.addedPlanIds.length}`);

  const { users: page } = await client.execute(ListUsersQuery, {
    first: 20,
    filter: { nameContains: 'Ada' },
    orderBy: { field: 'INSERTED_AT', direction: 'DESC' },
  });
  for (const { cursor, node } of page.edges) {
    console.log(cursor, node.email, node.plans.map((plan) => plan.name).join(', '));
  }
  return { created, linked, totalCount: page.totalCount, next: page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null };
}

/**
 * Logs the membership changes the signed-in user may see (the plans they are in), from
 * after the event whose cursor is `after` (stored by the caller across reloads) or from
 * now. A reconnect (a refreshed token) resumes after the last event seen: `subscribe`
 * sends these same variables again, so nothing is missed and nothing comes twice.
 */
export function watchMemberships(url: string, token: TokenSource, after: string | null = null): () => void {
  const variables: { after: string | null } = { after };
  return subscribe({ url, token, onError: (error) => console.error(error.codes, error.message) }, MembershipChangedSubscription, variables, ({ membershipChanged: event }) => {
    variables.after = event.cursor;
    console.log(event.kind, event.userId, event.planId, event.role ?? '(removed)');
  });
}

// Usage (a signed-in user: `getToken` returns their current JWT, refreshed by the identity
// provider's SDK; a back end passes its API token as a string instead):
//   const client = createClient({ url: 'http://127.0.0.1:8000/graphql', token: getToken });
//   const stop = watchMemberships('ws://127.0.0.1:8000/graphql/ws', getToken);
//   try {
//     await onboardUser(client, 'ada@example.com', [planId]);
//   } catch (error) {
//     if (error instanceof UserplanError && error.codes.includes('CONFLICT')) { /* email taken */ }
//   }
