// What both playground pages share: the bundled one (src/main.js) and the one the server
// serves when it was built without the bundle, which loads GraphiQL from a CDN
// (src/http/playground.rs). No imports but the fetcher: the CDN page loads these modules
// as they are from the server and passes in the libraries it loaded.
import { createUserplanFetcher } from './fetcher.js';

export const DEFAULT_QUERY = `# The userplan playground (GraphiQL).
#
# Run the operation with the play button or Ctrl-Enter.
# Docs: the book icon, top left. Completion: Ctrl-Space.
#
# If the server has an API token or sign-in, put the
# token (or your JWT) in the Headers tab below:
#   {"Authorization": "Bearer <the token>"}
# HTTP requests send these headers; subscriptions send
# the same object as their connection_init payload.
# Then reload the schema (circular arrows, bottom left).
# Headers are not saved in the browser.
#
# To watch memberships change, run this in a new tab:
#   subscription Changes {
#     membershipChanged { kind userId planId role at }
#   }

query Users {
  users(first: 10) {
    totalCount
    nodes {
      id
      email
      name
      planCount
      plans {
        id
        name
      }
    }
  }
}
`;

/** Why nothing typed here runs when the server was started with --trusted-documents. */
export const TRUSTED_DOCUMENTS_NOTICE =
  'This server runs only its trusted documents (it was started with --trusted-documents): ' +
  'it runs the documents of its manifest, sent by hash or as their exact text, and refuses ' +
  'any other with PERSISTED_QUERY_NOT_IN_LIST. So the playground cannot load the schema ' +
  '(introspection is not one of them) nor run documents typed here. To explore the API, ' +
  'use a server started without --trusted-documents.';

/** The query editor's text in that case. */
export const TRUSTED_DOCUMENTS_QUERY = `${TRUSTED_DOCUMENTS_NOTICE.match(/.{1,60}(\s|$)/g)
  .map((line) => `# ${line.trim()}`)
  .join('\n')}\n`;

/** The server puts this element in the page when it runs only its trusted documents. */
export function runsTrustedDocumentsOnly(page = document) {
  return page.querySelector('meta[name="userplan-trusted-documents"]') !== null;
}

/**
 * Renders GraphiQL into #root with the given libraries: React (createElement, StrictMode),
 * createRoot from react-dom, the GraphiQL component and graphql-ws's createClient.
 */
export function mount({ createElement, StrictMode, createRoot, GraphiQL, createClient }) {
  const trustedOnly = runsTrustedDocumentsOnly();
  const fetcher = createUserplanFetcher({
    url: `${location.origin}/graphql`,
    subscriptionUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql/ws`,
    createClient,
  });
  const graphiql = createElement(GraphiQL, {
    fetcher,
    defaultQuery: trustedOnly ? TRUSTED_DOCUMENTS_QUERY : DEFAULT_QUERY,
    // null: no introspection request, which the server would refuse.
    ...(trustedOnly ? { schema: null } : {}),
    isHeadersEditorEnabled: true,
    defaultEditorToolsVisibility: 'headers',
    defaultHeaders: '{}',
    // Tokens are not written to localStorage.
    shouldPersistHeaders: false,
  });
  const notice = createElement(
    'div',
    {
      role: 'alert',
      className: 'userplan-notice',
      style: { padding: '8px 16px', background: '#fff4ce', color: '#3b2e00', font: '14px/1.4 system-ui, sans-serif' },
    },
    TRUSTED_DOCUMENTS_NOTICE,
  );
  const page = trustedOnly
    ? createElement(
        'div',
        { style: { display: 'flex', flexDirection: 'column', height: '100%' } },
        notice,
        createElement('div', { style: { flex: 1, minHeight: 0 } }, graphiql),
      )
    : graphiql;
  createRoot(document.getElementById('root')).render(createElement(StrictMode, null, page));
}
