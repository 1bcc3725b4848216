// The GraphiQL fetcher of the userplan playground.
//
// Queries and mutations: POST to /graphql with the headers typed in the headers editor.
// Subscriptions: graphql-ws (the graphql-transport-ws protocol) to /graphql/ws. A browser
// cannot set headers on a WebSocket, so the headers object from the editor is sent as the
// `connection_init` payload instead, e.g. {"Authorization": "Bearer secret"}; the server
// reads the token from there. One client is kept per distinct headers value, so changing
// the token opens a new connection instead of reusing one authenticated with the old one.
//
// No imports: the page that loads GraphiQL from a CDN loads this module as it is from the
// server, and both pages pass graphql-ws's `createClient` in.

/** `Authorization` and friends as a plain object of strings, whatever the editor held. */
function headerObject(headers) {
  const result = {};
  if (headers && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && value !== null) result[name] = String(value);
    }
  }
  return result;
}

/** Keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} share a connection. */
function canonicalKey(headers) {
  return JSON.stringify(Object.keys(headers).sort().map((name) => [name, headers[name]]));
}

/** The operation a request runs: the one it names, or the document's only one. */
function operationOf(document, name) {
  const operations = (document.definitions ?? []).filter((definition) => definition.kind === 'OperationDefinition');
  if (name) return operations.find((operation) => operation.name?.value === name);
  return operations.length === 1 ? operations[0] : undefined;
}

function isSubscription(params, opts) {
  const document = opts?.documentAST;
  if (!document) return false;
  return operationOf(document, params.operationName)?.operation === 'subscription';
}

/** What a failed subscription shows in the result pane, instead of `{"isTrusted": true}`. */
function readableSocketError(error, url) {
  if (error instanceof Error) return error;
  return withoutStack(socketErrorMessage(error, url));
}

/** GraphiQL shows an error's stack too; a minified one helps nobody here. */
function withoutStack(message) {
  const error = new Error(message);
  error.stack = undefined;
  return error;
}

function socketErrorMessage(error, url) {
  if (error && typeof error === 'object' && 'code' in error && 'reason' in error) {
    // A CloseEvent: 4403 Forbidden is the server refusing the connection_init payload.
    const reason = error.reason ? `: ${error.reason}` : '';
    return `WebSocket ${url} closed with code ${error.code}${reason}`;
  }
  return `WebSocket ${url} failed (the server is unreachable or refused the connection)`;
}

/**
 * A subscription as an async iterator, its errors made readable. Not an async generator:
 * GraphiQL's stop button calls return() while a next() waits for an event, and a
 * generator would queue that call behind the wait, so `complete` would go out only with
 * the next event. This hands return() to graphql-ws at once.
 */
function subscribe(client, url, payload) {
  const events = client.iterate(payload);
  let ended = false;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (ended) return { done: true, value: undefined };
      try {
        return await events.next();
      } catch (error) {
        ended = true;
        // GraphQL errors of the operation (an `error` message): show them as a result.
        if (Array.isArray(error)) return { done: false, value: { errors: error } };
        throw readableSocketError(error, url);
      }
    },
    async return() {
      ended = true;
      await events.return?.();
      return { done: true, value: undefined };
    },
  };
}

export function createUserplanFetcher({ url, subscriptionUrl, createClient }) {
  /** @type {Map<string, import('graphql-ws').Client>} */
  const wsClients = new Map();

  function wsClientFor(headers) {
    const key = canonicalKey(headers);
    let client = wsClients.get(key);
    if (!client) {
      client = createClient({
        url: subscriptionUrl,
        // Sent as the connection_init payload: exactly the editor's headers object.
        connectionParams: headers,
        // The socket is opened with the first subscription and closed after the last
        // one ends, so idle clients (old tokens) hold no connection.
        lazy: true,
        retryAttempts: 0,
      });
      wsClients.set(key, client);
    }
    return client;
  }

  async function httpFetch(params, headers) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        accept: 'application/graphql-response+json, application/json',
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify({
        query: params.query,
        operationName: params.operationName ?? undefined,
        variables: params.variables ?? undefined,
      }),
    });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      // Not a GraphQL response (a proxy's error page, say): show what came back.
      throw new Error(`HTTP ${response.status} ${response.statusText}: ${text.slice(0, 500)}`);
    }
  }

  return function fetcher(params, opts) {
    const headers = headerObject(opts?.headers);
    if (isSubscription(params, opts)) {
      // An async iterator; GraphiQL's stop button calls return(), which unsubscribes.
      return subscribe(wsClientFor(headers), subscriptionUrl, {
        query: params.query,
        operationName: params.operationName ?? undefined,
        variables: params.variables ?? undefined,
      });
    }
    return httpFetch(params, headers);
  };
}
