"""Ed25519Signature2020: the legacy Ed25519 proof type, still common on issued badges.

It hashes exactly like eddsa-rdfc-2022 but is identified by ``type`` alone, and the document
must bring the ed25519-2020 context that defines its terms.
"""

from vcbadges.proofs.suite import Cryptosuite

NAME = "ed25519-2020"
PROOF_TYPE = "Ed25519Signature2020"
CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
SUITE = Cryptosuite(name=NAME, proof_type=PROOF_TYPE, cryptosuite=None,
                    key_algorithm="Ed25519", canonicalization="rdfc")
