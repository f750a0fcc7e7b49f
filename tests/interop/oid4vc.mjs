#!/usr/bin/env node
/*
 * oid4vc.mjs: a holder wallet built on the OpenID Foundation's oid4vc-ts libraries
 * (@openid4vc/openid4vci, @openid4vc/openid4vp, @openid4vc/oauth2), driven by
 * vcbadges' interop tests against a running vcbadges service. Install its
 * dependencies with `npm ci --prefix tests/interop`.
 *
 * CLI CONTRACT (tests/interop/test_oid4vc_ts.py relies on it)
 *
 * Every command reads ONE JSON object on stdin and writes ONE JSON object on
 * stdout. A failure of the harness itself writes {"error": "<message>"} and
 * exits with code 2. Plain http:// URLs are allowed (the service under test
 * listens on loopback without TLS).
 *
 * node oid4vc.mjs receive
 *   in:  {"offerUri": "openid-credential-offer://?...", "txCode": "123456"?}
 *   out: {"credential": <the credential: a JSON object or a compact JWT>,
 *         "format": "ldp_vc"|"jwt_vc_json", "holder": HOLDER}
 *   Pre-authorized code flow: resolves the offer and the issuer metadata,
 *   gets an access token (with the PIN when given), a c_nonce, and the
 *   credential of the offer's first configuration, with a jwt key proof made
 *   by a fresh Ed25519 key carried as a `jwk` header. HOLDER is
 *   {"did": "did:jwk:...", "privateJwk": {...}}: the credential's subject.
 *
 * node oid4vc.mjs present
 *   in:  {"requestUri": "openid4vp://?...", "credential": "<VC-JWT>",
 *         "holder": HOLDER, "trustedCertificates": ["<base64 DER>", ...]?}
 *   out: {"status": <HTTP status of the direct_post>, "body": <its JSON>,
 *         "clientId": "...", "prefix": "decentralized_identifier"|..., "queryId": "..."}
 *     or {"refused": "<why the wallet refused the request>"} (exit code 0)
 *   Resolves the request with oid4vc-ts (request object by value or by
 *   reference, whose signature is checked here: by the did:key of the `kid`
 *   for decentralized_identifier, by the `x5c` leaf, whose chain must end at one
 *   of trustedCertificates, for x509_san_dns), answers the DCQL query of format
 *   jwt_vc_json with a VP-JWT (nonce, aud = client_id) holding the credential,
 *   and posts it to response_uri (direct_post).
 */

import {createHash, createPublicKey, createPrivateKey, generateKeyPairSync,
  randomBytes, randomUUID, sign as cryptoSign, verify as cryptoVerify,
  X509Certificate} from 'node:crypto';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {Openid4vpClient} from '@openid4vc/openid4vp';
import {setGlobalConfig} from '@openid4vc/utils';

setGlobalConfig({allowInsecureUrls: true});

const b64url = data => Buffer.from(data).toString('base64url');
const fromB64url = text => Buffer.from(text, 'base64url');

// --- keys and JWS ---------------------------------------------------------

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Decode(text) {
  let value = 0n;
  for(const c of text) {
    const digit = BASE58.indexOf(c);
    if(digit < 0) {
      throw new Error('not base58');
    }
    value = value * 58n + BigInt(digit);
  }
  const bytes = [];
  while(value > 0n) {
    bytes.unshift(Number(value % 256n));
    value /= 256n;
  }
  for(const c of text) {
    if(c !== '1') {
      break;
    }
    bytes.unshift(0);
  }
  return Buffer.from(bytes);
}

// The Ed25519 public key of a did:key (multicodec 0xed01); other key types
// are not needed by these tests and are refused.
function didKeyJwk(didUrl) {
  const [did, fragment] = didUrl.split('#');
  const multibase = did.slice('did:key:'.length);
  if(!did.startsWith('did:key:z') || (fragment !== undefined && fragment !== multibase)) {
    throw new Error(`not a did:key verification method: ${didUrl}`);
  }
  const raw = base58Decode(multibase.slice(1));
  if(raw[0] !== 0xed || raw[1] !== 0x01 || raw.length !== 34) {
    throw new Error('only Ed25519 did:key is supported here');
  }
  return {kty: 'OKP', crv: 'Ed25519', x: b64url(raw.subarray(2))};
}

function verifyJws(compact, alg, publicKey) {
  const [head, body, signature] = compact.split('.');
  const data = Buffer.from(`${head}.${body}`);
  const sig = fromB64url(signature);
  if(alg === 'EdDSA') {
    return cryptoVerify(null, data, publicKey, sig);
  }
  if(alg === 'ES256') {
    return cryptoVerify('sha256', data, {key: publicKey, dsaEncoding: 'ieee-p1363'}, sig);
  }
  throw new Error(`unsupported alg ${alg}`);
}

function signJws(header, payload, privateJwk) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const key = createPrivateKey({key: privateJwk, format: 'jwk'});
  return `${input}.${b64url(cryptoSign(null, Buffer.from(input), key))}`;
}

// A chain (leaf first) is trusted when each certificate is signed by the next
// and the last is, or is signed by, one of the trusted certificates; all
// must be valid now.
function checkChain(x5c, trusted) {
  const chain = x5c.map(c => new X509Certificate(Buffer.from(c, 'base64')));
  const anchors = trusted.map(c => new X509Certificate(Buffer.from(c, 'base64')));
  const now = Date.now();
  for(const cert of chain) {
    if(Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) {
      throw new Error('a certificate of the chain is not valid now');
    }
  }
  for(let i = 0; i + 1 < chain.length; i++) {
    if(!chain[i].verify(chain[i + 1].publicKey)) {
      throw new Error('the x5c chain is broken');
    }
  }
  const last = chain[chain.length - 1];
  const anchored = anchors.some(a => a.raw.equals(last.raw) ||
    (last.checkIssued(a) && last.verify(a.publicKey)));
  if(!anchored) {
    throw new Error('the x5c chain does not end at a trusted certificate');
  }
  return chain[0];
}

function makeCallbacks({trustedCertificates = [], holder} = {}) {
  return {
    // Wallets are anonymous clients of the pre-authorized code grant.
    clientAuthentication: clientAuthenticationAnonymous(),
    fetch: (...args) => fetch(...args),
    hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase())
      .update(data).digest()),
    generateRandom: n => new Uint8Array(randomBytes(n)),
    getX509CertificateMetadata: certificate => {
      const cert = new X509Certificate(Buffer.from(certificate, 'base64'));
      const names = (cert.subjectAltName ?? '').split(', ');
      return {
        sanDnsNames: names.filter(n => n.startsWith('DNS:')).map(n => n.slice(4)),
        sanUriNames: names.filter(n => n.startsWith('URI:')).map(n => n.slice(4))
      };
    },
    verifyJwt: async (signer, {compact}) => {
      let publicKey;
      if(signer.method === 'did') {
        publicKey = createPublicKey({key: didKeyJwk(signer.didUrl), format: 'jwk'});
      } else if(signer.method === 'x5c') {
        publicKey = checkChain(signer.x5c, trustedCertificates).publicKey;
      } else if(signer.method === 'jwk') {
        publicKey = createPublicKey({key: signer.publicJwk, format: 'jwk'});
      } else {
        throw new Error(`signer method ${signer.method} is not supported`);
      }
      const verified = verifyJws(compact, signer.alg, publicKey);
      return verified ? {verified, signerJwk: publicKey.export({format: 'jwk'})} :
        {verified: false};
    },
    signJwt: async (signer, {header, payload}) => ({
      jwt: signJws(header, payload, holder.privateJwk),
      signerJwk: signer.publicJwk
    })
  };
}

// --- commands -------------------------------------------------------------

function newHolder() {
  const {privateKey} = generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({format: 'jwk'});
  const publicJwk = {kty: 'OKP', crv: 'Ed25519', x: privateJwk.x};
  return {did: `did:jwk:${b64url(JSON.stringify(publicJwk))}`, privateJwk, publicJwk};
}

async function receive({offerUri, txCode}) {
  const holder = newHolder();
  const client = new Openid4vciClient({callbacks: makeCallbacks({holder})});
  const offer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer, issuerMetadata, txCode
  });
  const configurationId = offer.credential_configuration_ids[0];
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata, credentialConfigurationId: configurationId, nonce,
    signer: {method: 'jwk', alg: 'EdDSA', publicJwk: holder.publicJwk},
    issuedAt: new Date()
  });
  const {credentialResponse} = await client.retrieveCredentials({
    issuerMetadata, accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configurationId, proofs: {jwt: [jwt]}
  });
  const format = issuerMetadata.credentialIssuer
    .credential_configurations_supported[configurationId].format;
  return {
    credential: credentialResponse.credentials[0].credential, format,
    holder: {did: holder.did, privateJwk: holder.privateJwk}
  };
}

async function present({requestUri, credential, holder, trustedCertificates}) {
  const client = new Openid4vpClient({callbacks: makeCallbacks({trustedCertificates, holder})});
  let resolved;
  try {
    const {params} = client.parseOpenid4vpAuthorizationRequest({
      authorizationRequest: requestUri
    });
    resolved = await client.resolveOpenId4vpAuthorizationRequest({
      authorizationRequestPayload: params
    });
  } catch(e) {
    return {refused: e.errorResponse?.error_description ?? e.message};
  }
  const request = resolved.authorizationRequestPayload;
  const query = request.dcql_query.credentials.find(q => q.format === 'jwt_vc_json');
  const now = Math.floor(Date.now() / 1000);
  const vp = signJws({alg: 'EdDSA', typ: 'JWT', kid: `${holder.did}#0`}, {
    iss: holder.did, aud: request.client_id, nonce: request.nonce, iat: now,
    exp: now + 300, jti: `urn:uuid:${randomUUID()}`,
    vp: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiablePresentation'], holder: holder.did,
      verifiableCredential: [credential]
    }
  }, holder.privateJwk);
  const {authorizationResponsePayload} = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: {vp_token: {[query.id]: [vp]}, state: request.state}
  });
  const {response} = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request, authorizationResponsePayload
  });
  return {
    status: response.status, body: await response.json(), clientId: request.client_id,
    prefix: resolved.client.prefix, queryId: query.id
  };
}

async function main() {
  const commands = {receive, present};
  const command = commands[process.argv[2]];
  try {
    if(!command) {
      throw new Error(`unknown command ${process.argv[2]}`);
    }
    const chunks = [];
    for await (const chunk of process.stdin) {
      chunks.push(chunk);
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    process.stdout.write(JSON.stringify(await command(input)) + '\n');
  } catch(e) {
    process.stdout.write(JSON.stringify({error: `${e.message}${e.cause ? `: ${e.cause.message}` : ''}`}) + '\n');
    process.exitCode = 2;
  }
}

await main();
