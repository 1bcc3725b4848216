// GraphQL Code Generator for userplan's public schema: typed operations (client preset)
// and a persisted-documents manifest. Run with `npm run codegen`.
import { createHash } from 'node:crypto';
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // The server's SDL, as `userplan schema` prints it.
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  // Fail when a document does not validate against the schema, or none is found.
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: {
        // Fragments are plain types (no useFragment/unmasking needed outside React).
        fragmentMasking: false,
        // Emits persisted-documents.json (hash -> document text) and puts each
        // document's hash on it (`document.__meta__.hash`).
        persistedDocuments: {
          // The bare hex SHA-256 of the document text in the manifest, which is what
          // `extensions.persistedQuery.sha256Hash` carries. (The preset's own 'sha256'
          // would prefix "sha256:".)
          hashAlgorithm: (document: string) => createHash('sha256').update(document).digest('hex'),
        },
      },
      config: {
        // Documents as strings with a __meta__ field, for a plain fetch client.
        documentMode: 'string',
        // String unions instead of TypeScript enums: nothing at run time, erasable syntax.
        enumsAsTypes: true,
        useTypeImports: true,
        // Every custom scalar must be mapped; both travel as strings in JSON.
        strictScalars: true,
        scalars: {
          UUID: 'string',
          DateTime: 'string',
        },
      },
    },
  },
};

export default config;
