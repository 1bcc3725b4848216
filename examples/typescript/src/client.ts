// A small typed client for userplan: fetch only, no library. The operations come from
// ./operations.ts; their result and variables types come with them, so a wrong
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
import { AddPlansToUserMutation, CreateUserMutation, ListUsersQuery } from './operations';

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

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. "https://userplan.example/graphql". */
  url: string;
  /** Sent as "Authorization: Bearer <token>" when the server has an API token. */
  token?: string;
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
  const headers: Record<string, string> = {
    accept: 'application/graphql-response+json, application/json',
    'content-type': 'application/json',
  };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;

  async function post<TResult>(body: unknown): Promise<{ status: number; response: GraphQLResponse<TResult> }> {
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

// Usage:
//   const client = createClient({ url: 'http://127.0.0.1:8000/graphql', token: 'secret' });
//   try {
//     await onboardUser(client, 'ada@example.com', [planId]);
//   } catch (error) {
//     if (error instanceof UserplanError && error.codes.includes('CONFLICT')) { /* email taken */ }
//   }
