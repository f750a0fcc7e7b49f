#!/usr/bin/env node
/*
 * A by-hand check of dbvc.mjs through its command line: for each suite, sign
 * sample_ob3.json, verify it, tamper with it and verify again; plus the
 * error and edge cases of the CLI contract. Run it after
 * `npm ci --prefix tests/interop` with
 *   node tests/interop/selftest.mjs
 * (set VCBADGES_CONTEXTS_DIR to use contexts other than <repo>/contexts).
 * It prints one line per check and "N passed, N failed" at the end, and
 * exits non-zero if any check failed.
 */
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const DBVC = fileURLToPath(new URL('./dbvc.mjs', import.meta.url));
const SAMPLE = JSON.parse(
  readFileSync(new URL('./sample_ob3.json', import.meta.url), 'utf8'));

let passed = 0;
let failed = 0;

function run(args, input) {
  const child = spawnSync(process.execPath, [DBVC, ...args], {
    input: input === undefined ? '' : JSON.stringify(input),
    encoding: 'utf8'
  });
  let output;
  try {
    output = JSON.parse(child.stdout);
  } catch{
    output = {unparsable: child.stdout, stderr: child.stderr};
  }
  return {code: child.status, output};
}

function check(label, condition, detail) {
  if(condition) {
    passed++;
    console.log(`ok    ${label}`);
  } else {
    failed++;
    console.log(`FAIL  ${label}: ${JSON.stringify(detail)}`);
  }
}

function forIssuer(credential, key) {
  const copy = structuredClone(credential);
  copy.issuer.id = `did:key:${key.publicKeyMultibase}`;
  return copy;
}

const TAMPERS = {
  'achievement name': c => {
    c.credentialSubject.achievement.name = 'Advanced Data Stewardship';
  },
  'credentialSubject id': c => {
    c.credentialSubject.id =
      'did:key:z6MkvKYN3Uuyz8xEErUbYS721GpStA85NAJTkAoEHgfHZUtA';
  },
  'credentialSubject name added': c => {
    c.credentialSubject.name = 'Someone Else';
  },
  'credential name': c => {
    c.name = 'Forged Badge';
  },
  'result value': c => {
    c.credentialSubject.result[0].value = 'F';
  }
};

const keys = {
  ed25519: run(['keygen', '--type', 'ed25519']).output,
  p256: run(['keygen', '--type', 'p256']).output
};
check('keygen ed25519 gives z6Mk…/z3u2…',
  keys.ed25519.publicKeyMultibase?.startsWith('z6Mk') &&
  keys.ed25519.secretKeyMultibase?.startsWith('z3u2'), keys.ed25519);
check('keygen p256 gives zDna…/z42t…',
  keys.p256.publicKeyMultibase?.startsWith('zDna') &&
  keys.p256.secretKeyMultibase?.startsWith('z42t'), keys.p256);

const SUITES = [
  ['eddsa-rdfc-2022', keys.ed25519],
  ['eddsa-jcs-2022', keys.ed25519],
  ['ecdsa-rdfc-2019', keys.p256]
];

for(const [suite, key] of SUITES) {
  const credential = forIssuer(SAMPLE, key);
  const signed = run(['sign'], {
    credential, suite, key, created: '2024-01-01T00:00:00Z'
  });
  const vc = signed.output.credential;
  check(`${suite}: sign`, signed.code === 0 && vc?.proof, signed);
  if(!vc) {
    continue;
  }
  const {proof} = vc;
  check(`${suite}: proof is DataIntegrityProof/${suite}, created kept`,
    proof.type === 'DataIntegrityProof' && proof.cryptosuite === suite &&
    proof.created === '2024-01-01T00:00:00Z' &&
    proof.proofPurpose === 'assertionMethod' &&
    proof.verificationMethod ===
      `did:key:${key.publicKeyMultibase}#${key.publicKeyMultibase}`, proof);
  const {proof: _, ...unsigned} = vc;
  check(`${suite}: nothing but proof added`,
    JSON.stringify(unsigned) === JSON.stringify(credential),
    Object.keys(unsigned));
  const verified = run(['verify'], {credential: vc});
  check(`${suite}: verify`,
    verified.code === 0 && verified.output.verified === true &&
    verified.output.error === null, verified);
  for(const [name, tamper] of Object.entries(TAMPERS)) {
    const copy = structuredClone(vc);
    tamper(copy);
    const result = run(['verify'], {credential: copy});
    check(`${suite}: tampered ${name} fails`,
      result.code === 0 && result.output.verified === false &&
      typeof result.output.error === 'string', result);
  }
  const other = forIssuer(SAMPLE, suite.startsWith('ecdsa') ?
    keys.ed25519 : keys.p256);
  const wrongIssuer = run(['sign'], {credential: other, suite, key});
  const wrongResult = run(['verify'],
    {credential: wrongIssuer.output.credential});
  check(`${suite}: issuer other than the key's DID fails`,
    wrongResult.output.verified === false, wrongResult);
}

// Proof options.
{
  const key = keys.ed25519;
  const credential = forIssuer(SAMPLE, key);
  const now = run(['sign'], {credential, suite: 'eddsa-rdfc-2022', key});
  check('created absent: current time in whole seconds',
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(
      now.output.credential?.proof?.created), now.output);
  const none = run(['sign'],
    {credential, suite: 'eddsa-rdfc-2022', key, created: null});
  check('created null: no created, still verifies',
    none.output.credential && !('created' in none.output.credential.proof) &&
    run(['verify'], {credential: none.output.credential}).output.verified,
    none.output);
  const millis = run(['sign'], {
    credential, suite: 'eddsa-rdfc-2022', key,
    created: '2024-01-01T00:00:00.123+01:00'
  });
  check('created string kept verbatim',
    millis.output.credential?.proof?.created ===
      '2024-01-01T00:00:00.123+01:00', millis.output);
}

// Presentations (dbvc extension: sign with {"presentation": ...}).
{
  const key = keys.ed25519;
  const holder = `did:key:${key.publicKeyMultibase}`;
  const vc = run(['sign'], {
    credential: forIssuer(SAMPLE, key), suite: 'eddsa-rdfc-2022', key
  }).output.credential;
  const presentation = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    holder,
    verifiableCredential: [vc]
  };
  for(const suite of ['eddsa-rdfc-2022', 'eddsa-jcs-2022']) {
    const signed = run(['sign'], {
      presentation, suite, key, challenge: 'c-123', domain: 'verifier.example'
    });
    const vp = signed.output.presentation;
    check(`${suite}: sign presentation`, signed.code === 0 && vp?.proof,
      signed);
    const ok = run(['verify'],
      {presentation: vp, challenge: 'c-123', domain: 'verifier.example'});
    check(`${suite}: verify presentation`, ok.output.verified === true, ok);
    const badChallenge = run(['verify'],
      {presentation: vp, challenge: 'other', domain: 'verifier.example'});
    check(`${suite}: presentation with another challenge fails`,
      badChallenge.output.verified === false, badChallenge);
    const badDomain = run(['verify'],
      {presentation: vp, challenge: 'c-123', domain: 'evil.example'});
    check(`${suite}: presentation with another domain fails`,
      badDomain.output.verified === false, badDomain);
  }
  const p256 = keys.p256;
  const vp = run(['sign'], {
    presentation: {...presentation, holder: `did:key:${p256.publicKeyMultibase}`},
    suite: 'ecdsa-rdfc-2019', key: p256, challenge: 'c-9'
  }).output.presentation;
  const ok = run(['verify'], {presentation: vp, challenge: 'c-9'});
  check('ecdsa-rdfc-2019: presentation without domain verifies',
    ok.output.verified === true, ok);
  const tampered = structuredClone(vp);
  tampered.verifiableCredential[0].credentialSubject.achievement.name = 'X';
  const bad = run(['verify'], {presentation: tampered, challenge: 'c-9'});
  check('presentation holding a tampered credential fails',
    bad.output.verified === false, bad);
}

// Safe mode: a term that no context defines.
{
  const key = keys.ed25519;
  const credential = forIssuer(SAMPLE, key);
  credential.credentialSubject.favouriteColour = 'green';
  const rdfc = run(['sign'], {credential, suite: 'eddsa-rdfc-2022', key});
  check('undefined term: eddsa-rdfc-2022 refuses to sign (safe mode)',
    rdfc.code === 2 && /safe mode|undefined|dropp/i.test(rdfc.output.error),
    rdfc.output);
  const jcs = run(['sign'], {credential, suite: 'eddsa-jcs-2022', key});
  console.log('info  undefined term with eddsa-jcs-2022: sign ' +
    (jcs.code === 0 ? 'succeeds' : `fails (${jcs.output.error})`) +
    (jcs.code === 0 ? ', verify ' + JSON.stringify(run(['verify'],
      {credential: jcs.output.credential}).output) : ''));
}

// Errors: exit code 2 and {"error": ...}.
{
  const key = keys.ed25519;
  const credential = forIssuer(SAMPLE, key);
  const cases = {
    'unknown suite': [['sign'], {credential, suite: 'rsa-2025', key}],
    'no suite': [['sign'], {credential, key}],
    'P-256 key with an eddsa suite': [['sign'],
      {credential, suite: 'eddsa-rdfc-2022', key: keys.p256}],
    'Ed25519 key with ecdsa-rdfc-2019': [['sign'],
      {credential, suite: 'ecdsa-rdfc-2019', key}],
    'secret key of another key': [['sign'], {credential,
      suite: 'eddsa-rdfc-2022', key: {
        publicKeyMultibase: key.publicKeyMultibase,
        secretKeyMultibase: run(['keygen', '--type', 'ed25519'])
          .output.secretKeyMultibase
      }}],
    'credential not an object': [['sign'],
      {credential: 'x', suite: 'eddsa-rdfc-2022', key}],
    'VCDM 1.1 credential without issuanceDate': [['sign'], {
      credential: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential'],
        issuer: `did:key:${key.publicKeyMultibase}`,
        credentialSubject: {id: 'did:example:1'}
      }, suite: 'eddsa-rdfc-2022', key}],
    'bad created': [['sign'],
      {credential, suite: 'eddsa-rdfc-2022', key, created: 'yesterday'}],
    'verify without credential': [['verify'], {}],
    'presentation without challenge': [['verify'], {presentation: {}}],
    'bench with bad seconds': [['bench'],
      {credential, suite: 'eddsa-rdfc-2022', key, seconds: -1}],
    'stdin not JSON': [['verify'], undefined],
    'unknown command': [['frobnicate'], {}]
  };
  for(const [label, [args, input]] of Object.entries(cases)) {
    const result = run(args, input);
    check(`error: ${label} -> exit 2`,
      result.code === 2 && typeof result.output.error === 'string' &&
      Object.keys(result.output).length === 1, result);
  }
}

// Bench, briefly.
{
  const key = keys.ed25519;
  const result = run(['bench'], {
    credential: forIssuer(SAMPLE, key), suite: 'eddsa-rdfc-2022', key,
    seconds: 0.3
  });
  const out = result.output;
  check('bench returns the four figures',
    result.code === 0 && ['sign_per_s', 'verify_per_s', 'sign_ms', 'verify_ms']
      .every(k => typeof out[k] === 'number' && out[k] > 0), result);
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
