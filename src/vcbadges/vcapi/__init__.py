"""VC-API exchanges (W3C VCALM "Workflows and Exchanges"), and the Learner Credential Wallet's
deep link onto them.

A protocol core in the manner of :mod:`vcbadges.oid4vci`: no web framework, no clock of its
own, state in a :class:`~vcbadges.oauth.store.ProtocolStore`, errors as
:class:`ExchangeError` (a :class:`~vcbadges.errors.ProtocolError` with an HTTP status). See
:mod:`vcbadges.vcapi.exchanges`.
"""

from vcbadges.vcapi.exchanges import (
    DEFAULT_LIFETIME,
    EXCHANGE,
    EXCHANGE_RECORD,
    EXCHANGE_RESULT,
    CreatedExchange,
    Exchange,
    ExchangeError,
    ExchangeProgress,
    Message,
    PresentationVerifier,
    create_exchange,
    exchange_progress,
    exchange_url,
    interaction_url,
    lcw_deep_link,
    lcw_exchange_link,
    load_result,
    pending_exchange,
    presentation_request,
    protocols,
    read_message,
    receive_for_issue,
    receive_for_verification,
)

__all__ = [
    "DEFAULT_LIFETIME",
    "EXCHANGE",
    "EXCHANGE_RECORD",
    "EXCHANGE_RESULT",
    "CreatedExchange",
    "Exchange",
    "ExchangeError",
    "ExchangeProgress",
    "Message",
    "PresentationVerifier",
    "create_exchange",
    "exchange_progress",
    "exchange_url",
    "interaction_url",
    "lcw_deep_link",
    "lcw_exchange_link",
    "load_result",
    "pending_exchange",
    "presentation_request",
    "protocols",
    "read_message",
    "receive_for_issue",
    "receive_for_verification",
]
