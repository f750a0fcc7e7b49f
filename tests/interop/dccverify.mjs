#!/usr/bin/env node
/*
 * dccverify.mjs: the Digital Credentials Consortium's verifier
 * (@digitalcredentials/verifier-core, as in VerifierPlus and the Learner
 * Credential Wallet), used by vcbadges' interop tests. Install its dependencies
 * with `npm ci --prefix tests/interop`.
 *
 * CLI CONTRACT (tests/interop/test_dcc_verifier.py relies on it)
 *
 * node dccverify.mjs
 *   in:  {"credential": {...}, "registry": {"meta": ..., "registry": {DID: {...}}}}
 *   out: the result of verifyCredential, with each error's stackTrace dropped;
 *        on a failure of the harness itself {"error": "<message>"}, exit code 2.
 *
 * No network: verifier-core offers no way to pass a document loader or
 * registries by value, so this harness replaces the global fetch it (and the
 * registry client) use. The registry is served from the input at a URL of the
 * reserved .invalid domain; loopback URLs (the service under test: status lists)
 * go through; any other URL is refused. JSON-LD contexts come from the bundled
 * contexts of @digitalcredentials/security-document-loader.
 */

const REGISTRY_URL = 'https://registry.invalid/registry.json';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function offline(registry, realFetch) {
  return async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    if(url.href === REGISTRY_URL) {
      return new Response(JSON.stringify(registry),
        {status: 200, headers: {'content-type': 'application/json'}});
    }
    if(LOOPBACK.has(url.hostname)) {
      return realFetch(input, init);
    }
    throw new Error(`no network in the interop tests: ${url.href}`);
  };
}

async function main() {
  try {
    const chunks = [];
    for await (const chunk of process.stdin) {
      chunks.push(chunk);
    }
    const {credential, registry} = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    globalThis.fetch = offline(registry, globalThis.fetch);
    const {verifyCredential} = await import('@digitalcredentials/verifier-core');
    const result = await verifyCredential({
      credential,
      knownDIDRegistries: [{name: 'vcbadges test registry', type: 'dcc-legacy',
        url: REGISTRY_URL}]
    });
    const errors = result.errors?.map(({message, name}) => ({message, name}));
    process.stdout.write(JSON.stringify({...result, ...(errors && {errors})}) + '\n');
  } catch(e) {
    process.stdout.write(JSON.stringify({error: e.message}) + '\n');
    process.exitCode = 2;
  }
}

await main();
