"""ecdsa-rdfc-2019 (W3C vc-di-ecdsa) with P-256: ECDSA/SHA-256 over RDFC-1.0 N-Quads hashes."""

from vcbadges.proofs.suite import Cryptosuite

NAME = "ecdsa-rdfc-2019"
SUITE = Cryptosuite(name=NAME, proof_type="DataIntegrityProof", cryptosuite=NAME,
                    key_algorithm="P-256", canonicalization="rdfc")
