#!/usr/bin/env node
/*
 * dbvc.mjs: a command-line harness around Digital Bazaar's Verifiable
 * Credential libraries (@digitalbazaar/vc with DataIntegrityProof), used by
 * vcbadges' interop tests and benchmarks. Install its dependencies with
 * `npm ci --prefix tests/interop`.
 *
 * CLI CONTRACT (tests/interop/test_digitalbazaar.py and the benchmarks rely on
 * it; change it only together with them)
 *
 * Every command except `keygen` reads ONE JSON object on stdin. Every command
 * writes ONE JSON object, followed by a newline, on stdout. On bad input or
 * any other failure it writes {"error": "<message>"} and exits with code 2.
 * A credential or presentation that does not verify is not a failure: the
 * output is {"verified": false, "error": "..."} with exit code 0.
 *
 * SUITE is one of "eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019",
 * "ecdsa-sd-2023".
 * KEY is {"publicKeyMultibase": "z6Mk…" (Ed25519) | "zDna…" (P-256),
 *         "secretKeyMultibase": "z3u2…" (Ed25519) | "z42t…" (P-256)}.
 * The key's controller is did:key:<publicKeyMultibase> and its verification
 * method is did:key:<publicKeyMultibase>#<publicKeyMultibase>. The eddsa
 * suites need an Ed25519 key, ecdsa-rdfc-2019 a P-256 (or P-384) key,
 * ecdsa-sd-2023 a P-256 key.
 *
 * node dbvc.mjs sign
 *   in:  {"credential": {...unsigned...}, "suite": SUITE, "key": KEY,
 *         "created": "2024-01-01T00:00:00Z"}
 *   out: {"credential": {...signed...}}
 *   Signs with vc.issue. The credential is signed as given: its issuer must
 *   already be the key's did:key for the result to verify, and nothing else is
 *   added to it except `proof` (a credential that already has a proof gets a
 *   second one, making a proof set). `created` is optional: when absent the
 *   proof's `created` is the current time (whole seconds, UTC); when a string,
 *   it is copied into the proof verbatim; when null, the proof has no
 *   `created`. A VCDM 1.1 credential without `issuanceDate` is refused, since
 *   vc.issue would otherwise add one.
 *   With suite "ecdsa-sd-2023" the proof is a base proof (for a holder, to
 *   `derive` from) and the input may carry "mandatoryPointers": [JSON
 *   pointers] (default: none).
 *   Extension: {"presentation": {...}, "suite", "key", "challenge", "domain",
 *   "created"} signs a presentation with vc.signPresentation (proof purpose
 *   authentication; "challenge" required, "domain" optional) and outputs
 *   {"presentation": {...signed...}}.
 *
 * node dbvc.mjs verify
 *   in:  {"credential": {...}}
 *   out: {"verified": true|false, "error": null|"<message>"}
 *   Uses vc.verifyCredential with every suite above accepted and the default
 *   CredentialIssuancePurpose, i.e. proof purpose assertionMethod plus the
 *   check that the issuer is the verification method's controller. Validity
 *   dates are checked against the current time. A credential with
 *   credentialStatus is reported as not verified (no status checker is given),
 *   unless the input has "documents".
 *   in:  {"credential": {...}, "documents": {URL: {...}, ...}}
 *   out: {"verified": true|false, "error": null|"<message>",
 *         "statuses": [{"statusPurpose": "...", "status": true|false}, ...]}
 *   As above, and the credential's BitstringStatusListEntry entries are checked
 *   with @digitalbazaar/vc-bitstring-status-list's checkStatus: each status
 *   list credential is taken from "documents" (keyed by its URL; nothing is
 *   fetched), verified, and must have the credential's issuer. "statuses"
 *   gives each entry's bit (true: revoked or suspended), in entry order.
 *   in:  {"presentation": {...}, "challenge": "...", "domain": "..."}
 *   out: {"verified": true|false, "error": null|"<message>"}
 *   Uses vc.verify (proof purpose authentication with that challenge and
 *   domain); every embedded credential is verified as above. "challenge" is
 *   required, "domain" optional.
 *
 * node dbvc.mjs derive
 *   in:  {"credential": {...with an ecdsa-sd-2023 base proof...},
 *         "selectivePointers": [JSON pointers]}
 *   out: {"credential": {...reveal document with a derived proof...}}
 *   Uses vc.derive with the ecdsa-sd-2023 disclose cryptosuite.
 *
 * node dbvc.mjs keygen --type ed25519|p256
 *   (no stdin)
 *   out: {"publicKeyMultibase": "...", "secretKeyMultibase": "..."}
 *
 * node dbvc.mjs bench
 *   in:  {"credential": {...unsigned...}, "suite": SUITE, "key": KEY,
 *         "seconds": 2, "created": ... (optional, as for sign)}
 *   out: {"sign_per_s": float, "verify_per_s": float,
 *         "sign_ms": float, "verify_ms": float}
 *   Warms up, then runs vc.issue in a loop for `seconds` (default 2), then
 *   vc.verifyCredential on one signed copy in a loop for `seconds`. One
 *   document loader is reused throughout, as a long-running server would, so
 *   the contexts are read from disk once and jsonld's shared resolved-context
 *   cache stays warm; did:key identifiers are resolved (computed) on every
 *   verification. The credential's issuer must be the key's did:key, and every
 *   verification must succeed, or the command fails.
 *
 * SAMPLE: sample_ob3.json beside this file is an unsigned OB 3.0
 * OpenBadgeCredential (VCDM 2.0 + OB context 3.0.3) that uses only defined
 * terms. Its issuer.id is a placeholder did:key whose secret key nobody has:
 * callers must replace issuer.id with did:key:<publicKeyMultibase> of the key
 * they sign with, or verification fails ("Credential issuer must match the
 * verification method controller").
 *
 * DOCUMENT LOADER: only the project's bundled contexts are served, never the
 * network. The map is <repo>/contexts/index.json ({URL: {"file": NAME,
 * "sha256": HEX (optional, checked when present)}}, files beside it); set
 * VCBADGES_CONTEXTS_DIR to use another directory of the same shape. did:key
 * URLs (Ed25519, P-256 and P-384 Multikey) are resolved with Digital Bazaar's
 * did:key driver. Any other URL is an error. (jsonld-signatures itself also
 * serves its bundled copies of https://w3id.org/security/v1 and /v2.)
 */
import {createHash} from 'node:crypto';
import {readFileSync, realpathSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {fileURLToPath, pathToFileURL} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as DidKey from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {
  cryptosuite as ecdsaRdfc2019Cryptosuite
} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import {
  createDiscloseCryptosuite as createEcdsaSd2023DiscloseCryptosuite,
  createSignCryptosuite as createEcdsaSd2023SignCryptosuite,
  createVerifyCryptosuite as createEcdsaSd2023VerifyCryptosuite
} from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import {
  createSignCryptosuite as createEddsaJcs2022SignCryptosuite,
  createVerifyCryptosuite as createEddsaJcs2022VerifyCryptosuite
} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {
  cryptosuite as eddsaRdfc2022Cryptosuite
} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

const MULTIKEY_CONTEXT_V1 = 'https://w3id.org/security/multikey/v1';
const CREDENTIALS_CONTEXT_V1 = 'https://www.w3.org/2018/credentials/v1';

// An error in what the caller asked for, or anything else that stops a
// command; reported as {"error": ...} with exit code 2.
class UsageError extends Error {}

// Key types by the first four characters of publicKeyMultibase.
const KEY_TYPES = new Map([
  ['z6Mk', {name: 'Ed25519', library: Ed25519Multikey}],
  ['zDna', {name: 'P-256', library: EcdsaMultikey}],
  ['z82L', {name: 'P-384', library: EcdsaMultikey}]
]);

// For each suite: the key types it takes, and a factory of the cryptosuite
// object for signing (given the command's input) and for verifying.
const SUITES = new Map([
  ['eddsa-rdfc-2022', {
    keyTypes: ['Ed25519'],
    signCryptosuite: () => eddsaRdfc2022Cryptosuite,
    verifyCryptosuite: () => eddsaRdfc2022Cryptosuite
  }],
  ['eddsa-jcs-2022', {
    keyTypes: ['Ed25519'],
    signCryptosuite: createEddsaJcs2022SignCryptosuite,
    verifyCryptosuite: createEddsaJcs2022VerifyCryptosuite
  }],
  ['ecdsa-rdfc-2019', {
    keyTypes: ['P-256', 'P-384'],
    signCryptosuite: () => ecdsaRdfc2019Cryptosuite,
    verifyCryptosuite: () => ecdsaRdfc2019Cryptosuite
  }],
  ['ecdsa-sd-2023', {
    keyTypes: ['P-256'],
    signCryptosuite: ({mandatoryPointers = []} = {}) =>
      createEcdsaSd2023SignCryptosuite({
        mandatoryPointers: pointerList(mandatoryPointers, 'mandatoryPointers')
      }),
    verifyCryptosuite: createEcdsaSd2023VerifyCryptosuite
  }]
]);

function pointerList(value, name) {
  if(!Array.isArray(value) || !value.every(p => typeof p === 'string')) {
    throw new UsageError(`"${name}" must be an array of JSON pointer strings`);
  }
  return value;
}

// ---------------------------------------------------------------- loader --

function contextsDirectory() {
  const override = process.env.VCBADGES_CONTEXTS_DIR;
  if(override) {
    return pathToFileURL(override.endsWith('/') ? override : override + '/');
  }
  return new URL('../../contexts/', import.meta.url);
}

function createDidKeyDriver() {
  const driver = DidKey.driver();
  for(const [header, {library}] of KEY_TYPES) {
    driver.use({multibaseMultikeyHeader: header, fromMultibase: library.from});
  }
  return driver;
}

/**
 * Builds a JSON-LD document loader that serves the bundled contexts listed in
 * index.json and resolves did:key URLs, and refuses everything else. Context
 * files are read, checked and parsed on first use and kept for the life of
 * the loader.
 */
export function createDocumentLoader({
  directory = contextsDirectory(), documents: given = {}
} = {}) {
  const indexUrl = new URL('index.json', directory);
  let index;
  try {
    index = JSON.parse(readFileSync(indexUrl, 'utf8'));
  } catch(e) {
    throw new UsageError(
      `cannot read the context index ${fileURLToPath(indexUrl)}: ${e.message}`);
  }
  if(!index || typeof index !== 'object' || Array.isArray(index)) {
    throw new UsageError(
      `${fileURLToPath(indexUrl)} must map context URLs to {"file": NAME}`);
  }
  const documents = new Map();
  const didKeyDriver = createDidKeyDriver();

  function loadContext(url) {
    let document = documents.get(url);
    if(document) {
      return document;
    }
    const entry = index[url];
    if(!entry || typeof entry.file !== 'string' || entry.file.startsWith('/') ||
      entry.file.split('/').includes('..')) {
      throw new Error(`bad entry for ${url} in the context index`);
    }
    const bytes = readFileSync(new URL(entry.file, directory));
    if(entry.sha256) {
      const digest = createHash('sha256').update(bytes).digest('hex');
      if(digest !== entry.sha256) {
        throw new Error(
          `context file ${entry.file} has sha256 ${digest}, ` +
          `the index says ${entry.sha256}`);
      }
    }
    // The same object is returned on every call, as Digital Bazaar's own
    // loaders do (jsonld only rewrites relative context URLs in place, and
    // the bundled files have none).
    document = JSON.parse(bytes.toString('utf8'));
    documents.set(url, document);
    return document;
  }

  return async function documentLoader(url) {
    if(typeof url !== 'string') {
      throw new TypeError('document loader: the URL must be a string');
    }
    if(Object.hasOwn(index, url)) {
      return {
        contextUrl: null,
        documentUrl: url,
        document: loadContext(url),
        // The bundled files never change, so jsonld may keep the resolved
        // context in its process-wide cache.
        tag: 'static'
      };
    }
    if(Object.hasOwn(given, url)) {
      return {contextUrl: null, documentUrl: url, document: given[url]};
    }
    if(url.startsWith('did:key:')) {
      const document = await didKeyDriver.get({url});
      return {contextUrl: null, documentUrl: url, document};
    }
    throw new Error(
      `document loader: ${url} is not a bundled context or a did:key URL ` +
      '(nothing is fetched from the network)');
  };
}

// ------------------------------------------------------------------ keys --

function keyTypeOf(publicKeyMultibase) {
  const keyType = typeof publicKeyMultibase === 'string' &&
    KEY_TYPES.get(publicKeyMultibase.slice(0, 4));
  if(!keyType) {
    throw new UsageError(
      'key.publicKeyMultibase must be a multibase Ed25519 (z6Mk…), ' +
      'P-256 (zDna…) or P-384 (z82L…) public key');
  }
  return keyType;
}

/** Imports KEY as a Multikey key pair controlled by its own did:key. */
async function importKey(key) {
  if(!key || typeof key !== 'object') {
    throw new UsageError('"key" must be an object');
  }
  const {publicKeyMultibase, secretKeyMultibase} = key;
  const keyType = keyTypeOf(publicKeyMultibase);
  if(typeof secretKeyMultibase !== 'string' ||
    !secretKeyMultibase.startsWith('z')) {
    throw new UsageError('key.secretKeyMultibase must be a multibase string');
  }
  const controller = `did:key:${publicKeyMultibase}`;
  let keyPair;
  try {
    keyPair = await keyType.library.from({
      '@context': MULTIKEY_CONTEXT_V1,
      type: 'Multikey',
      id: `${controller}#${publicKeyMultibase}`,
      controller,
      publicKeyMultibase,
      secretKeyMultibase
    });
  } catch(e) {
    throw new UsageError(`cannot import the key: ${e.message}`);
  }
  // Make sure the two halves belong together, so that a bad test key shows up
  // here and not as a puzzling verification failure later.
  const data = new TextEncoder().encode('dbvc key check');
  let matches = false;
  try {
    const signature = await keyPair.signer().sign({data});
    matches = await keyPair.verifier().verify({data, signature});
  } catch(e) {
    throw new UsageError(`cannot use the key: ${e.message}`);
  }
  if(!matches) {
    throw new UsageError(
      'key.secretKeyMultibase does not belong to key.publicKeyMultibase');
  }
  return {keyPair, keyType: keyType.name};
}

async function generateKey(type) {
  let keyPair;
  if(type === 'ed25519') {
    keyPair = await Ed25519Multikey.generate();
  } else if(type === 'p256') {
    keyPair = await EcdsaMultikey.generate({curve: 'P-256'});
  } else {
    throw new UsageError('usage: node dbvc.mjs keygen --type ed25519|p256');
  }
  const {publicKeyMultibase, secretKeyMultibase} =
    await keyPair.export({
      publicKey: true, secretKey: true,
      // Ed25519: the 32-byte seed (z3u2…), not seed and public key (zrv…).
      canonicalize: true
    });
  return {publicKeyMultibase, secretKeyMultibase};
}

// ---------------------------------------------------------------- suites --

function suiteEntry(name) {
  const entry = SUITES.get(name);
  if(!entry) {
    throw new UsageError(
      `unknown suite ${JSON.stringify(name)}; expected one of ` +
      [...SUITES.keys()].join(', '));
  }
  return entry;
}

function checkCreated(created) {
  if(created === undefined || created === null) {
    return;
  }
  if(typeof created !== 'string' || Number.isNaN(Date.parse(created))) {
    throw new UsageError('"created" must be a date-time string or null');
  }
}

/**
 * A fresh signing suite for one proof. `created` undefined means "now",
 * null means no `created`, a string is copied into the proof as it is.
 */
function createSigningSuite({suite, keyPair, keyType, created, input}) {
  const entry = suiteEntry(suite);
  if(!entry.keyTypes.includes(keyType)) {
    throw new UsageError(
      `suite ${suite} needs a ${entry.keyTypes.join(' or ')} key, ` +
      `not ${keyType}`);
  }
  const options = {
    signer: keyPair.signer(), cryptosuite: entry.signCryptosuite(input)
  };
  if(created !== undefined) {
    // With date null DataIntegrityProof adds no `created` of its own; a
    // string given through `proof` is kept exactly (the `date` option would
    // reformat it).
    options.date = null;
  }
  const signingSuite = new DataIntegrityProof(options);
  if(typeof created === 'string') {
    signingSuite.proof = {created};
  }
  return signingSuite;
}

function createVerifyingSuites() {
  return [...SUITES.values()].map(entry =>
    new DataIntegrityProof({cryptosuite: entry.verifyCryptosuite()}));
}

// ----------------------------------------------------------------- input --

function requireObject(input, name) {
  const value = input[name];
  if(!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`"${name}" must be a JSON object`);
  }
  return value;
}

function checkCredentialForIssue(credential) {
  const context = [].concat(credential['@context']);
  if(context[0] === CREDENTIALS_CONTEXT_V1 && !credential.issuanceDate) {
    throw new UsageError(
      'a VCDM 1.1 credential needs "issuanceDate": vc.issue would add one');
  }
}

function optionalString(input, name) {
  const value = input[name];
  if(value !== undefined && typeof value !== 'string') {
    throw new UsageError(`"${name}" must be a string`);
  }
  return value;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let input;
  try {
    input = JSON.parse(text);
  } catch(e) {
    throw new UsageError(`stdin is not JSON: ${e.message}`);
  }
  if(!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new UsageError('stdin must hold one JSON object');
  }
  return input;
}

// --------------------------------------------------------------- results --

/** Flattens an error (possibly a VerificationError with .errors) to text. */
function describeError(error) {
  if(!error) {
    return null;
  }
  if(Array.isArray(error)) {
    return error.map(describeError).filter(Boolean).join('; ') || null;
  }
  if(Array.isArray(error.errors) && error.errors.length > 0) {
    return describeError(error.errors);
  }
  const message = error.message || String(error);
  // jsonld keeps the underlying error in details.cause, and safe-mode
  // failures name the offending term or value in details.event.
  const details = error.details || {};
  const cause = error.cause || details.cause;
  const extra = [];
  if(cause) {
    extra.push(describeError(cause));
  }
  if(details.event && details.event.details) {
    extra.push(JSON.stringify(details.event.details));
  }
  const more = extra.filter(text => text && !message.includes(text));
  return more.length > 0 ? `${message} (${more.join('; ')})` : message;
}

/** The first error found in a vc.verify* result, as text. */
function resultError(result) {
  const found = [result.error];
  for(const key of ['results', 'credentialResults']) {
    for(const entry of result[key] || []) {
      found.push(entry.error);
      if(entry.purposeResult) {
        found.push(entry.purposeResult.error);
      }
    }
  }
  if(result.presentationResult) {
    found.push(resultError(result.presentationResult));
  }
  for(const entry of found) {
    const text = typeof entry === 'string' ? entry : describeError(entry);
    if(text) {
      return text;
    }
  }
  return 'not verified (no error given)';
}

// -------------------------------------------------------------- commands --

async function signCredential({credential, suite, keyPair, keyType, created,
  documentLoader, input}) {
  return vc.issue({
    // vc.issue adds the proof to the object it is given: hand it a copy.
    credential: structuredClone(credential),
    suite: createSigningSuite({suite, keyPair, keyType, created, input}),
    documentLoader
  });
}

async function commandSign(input) {
  const {keyPair, keyType} = await importKey(input.key);
  const created = input.created;
  checkCreated(created);
  suiteEntry(input.suite);
  const documentLoader = createDocumentLoader();
  if(input.presentation !== undefined) {
    const presentation = requireObject(input, 'presentation');
    const challenge = optionalString(input, 'challenge');
    const domain = optionalString(input, 'domain');
    if(!challenge) {
      throw new UsageError('signing a presentation needs a "challenge"');
    }
    const signed = await vc.signPresentation({
      presentation: structuredClone(presentation),
      suite: createSigningSuite({suite: input.suite, keyPair, keyType, created}),
      challenge,
      domain,
      documentLoader
    });
    return {presentation: signed};
  }
  const credential = requireObject(input, 'credential');
  checkCredentialForIssue(credential);
  const signed = await signCredential({
    credential, suite: input.suite, keyPair, keyType, created, documentLoader,
    input
  });
  return {credential: signed};
}

async function commandDerive(input) {
  const credential = requireObject(input, 'credential');
  const selectivePointers = pointerList(
    input.selectivePointers, 'selectivePointers');
  const derived = await vc.derive({
    verifiableCredential: structuredClone(credential),
    suite: new DataIntegrityProof({
      cryptosuite: createEcdsaSd2023DiscloseCryptosuite({selectivePointers})
    }),
    documentLoader: createDocumentLoader()
  });
  return {credential: derived};
}

async function verifyCredential({
  credential, suites, documentLoader, withStatus = false
}) {
  let result;
  try {
    result = await vc.verifyCredential({
      credential, suite: suites, documentLoader,
      ...(withStatus ? {checkStatus} : {})
    });
  } catch(e) {
    return {verified: false, error: describeError(e)};
  }
  const out = result.verified === true ?
    {verified: true, error: null} :
    {verified: false, error: resultError(result)};
  if(withStatus) {
    out.statuses = (result.statusResult?.results || []).map(
      ({credentialStatus, status}) => ({
        statusPurpose: credentialStatus.statusPurpose, status}));
  }
  return out;
}

async function commandVerify(input) {
  const documentLoader = createDocumentLoader();
  const suites = createVerifyingSuites();
  if(input.presentation !== undefined) {
    const presentation = requireObject(input, 'presentation');
    const challenge = optionalString(input, 'challenge');
    const domain = optionalString(input, 'domain');
    if(!challenge) {
      throw new UsageError('verifying a presentation needs a "challenge"');
    }
    let result;
    try {
      result = await vc.verify({
        presentation, challenge, domain, suite: suites, documentLoader
      });
    } catch(e) {
      return {verified: false, error: describeError(e)};
    }
    return result.verified === true ?
      {verified: true, error: null} :
      {verified: false, error: resultError(result)};
  }
  const credential = requireObject(input, 'credential');
  if(input.documents === undefined) {
    return verifyCredential({credential, suites, documentLoader});
  }
  const documents = requireObject(input, 'documents');
  return verifyCredential({
    credential, suites, withStatus: true,
    documentLoader: createDocumentLoader({documents})
  });
}

async function commandKeygen(args) {
  let type;
  for(let i = 0; i < args.length; i++) {
    if(args[i] === '--type') {
      type = args[++i];
    } else if(args[i].startsWith('--type=')) {
      type = args[i].slice('--type='.length);
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(args[i])}`);
    }
  }
  return generateKey(type);
}

async function commandBench(input) {
  const credential = requireObject(input, 'credential');
  checkCredentialForIssue(credential);
  const suite = input.suite;
  suiteEntry(suite);
  const created = input.created;
  checkCreated(created);
  const seconds = input.seconds === undefined ? 2 : input.seconds;
  if(typeof seconds !== 'number' || !(seconds > 0) || seconds > 600) {
    throw new UsageError('"seconds" must be a number in (0, 600]');
  }
  const {keyPair, keyType} = await importKey(input.key);
  // One loader and one set of verifying suites for the whole run, as in a
  // long-running server; each issue gets its own signing suite, as each
  // credential a server issues gets its own proof.
  const documentLoader = createDocumentLoader();
  const suites = createVerifyingSuites();
  const sign = () => signCredential({
    credential, suite, keyPair, keyType, created, documentLoader
  });
  const verify = async signed => {
    const outcome = await verifyCredential({credential: signed, suites,
      documentLoader});
    if(!outcome.verified) {
      throw new UsageError(
        `the signed credential does not verify: ${outcome.error}`);
    }
  };

  const signed = await sign();
  const warmUpUntil = performance.now() + Math.min(1000, seconds * 250);
  do {
    await verify(await sign());
  } while(performance.now() < warmUpUntil);

  const timeLoop = async operation => {
    let count = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    let now;
    do {
      await operation();
      count++;
      now = performance.now();
    } while(now < end);
    const elapsed = now - start;
    return {perSecond: count / (elapsed / 1000), ms: elapsed / count};
  };
  const signing = await timeLoop(sign);
  const verifying = await timeLoop(() => verify(signed));
  return {
    sign_per_s: signing.perSecond,
    verify_per_s: verifying.perSecond,
    sign_ms: signing.ms,
    verify_ms: verifying.ms
  };
}

// ------------------------------------------------------------------ main --

const USAGE = 'usage: node dbvc.mjs sign|verify|derive|bench < input.json, or ' +
  'node dbvc.mjs keygen --type ed25519|p256';

async function main(argv) {
  const [command, ...args] = argv;
  switch(command) {
    case 'sign':
      return commandSign(await readStdin());
    case 'verify':
      return commandVerify(await readStdin());
    case 'derive':
      return commandDerive(await readStdin());
    case 'bench':
      return commandBench(await readStdin());
    case 'keygen':
      return commandKeygen(args);
    default:
      throw new UsageError(USAGE);
  }
}

function write(object) {
  process.stdout.write(JSON.stringify(object) + '\n');
}

function isMainModule() {
  try {
    return realpathSync(process.argv[1]) ===
      realpathSync(fileURLToPath(import.meta.url));
  } catch{
    return false;
  }
}

if(process.argv[1] && isMainModule()) {
  try {
    write(await main(process.argv.slice(2)));
  } catch(e) {
    write({error: describeError(e) || 'unknown error'});
    process.exitCode = 2;
  }
}
