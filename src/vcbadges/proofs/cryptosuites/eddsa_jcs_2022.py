"""eddsa-jcs-2022 (W3C vc-di-eddsa): Ed25519 over the JCS serialization of the JSON."""

from vcbadges.proofs.suite import Cryptosuite

NAME = "eddsa-jcs-2022"
SUITE = Cryptosuite(name=NAME, proof_type="DataIntegrityProof", cryptosuite=NAME,
                    key_algorithm="Ed25519", canonicalization="jcs")
