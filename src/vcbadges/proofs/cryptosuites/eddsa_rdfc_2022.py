"""eddsa-rdfc-2022 (W3C vc-di-eddsa): Ed25519 over RDFC-1.0 canonical N-Quads. Our default."""

from vcbadges.proofs.suite import Cryptosuite

NAME = "eddsa-rdfc-2022"
SUITE = Cryptosuite(name=NAME, proof_type="DataIntegrityProof", cryptosuite=NAME,
                    key_algorithm="Ed25519", canonicalization="rdfc")
