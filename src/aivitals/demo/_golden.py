"""The Lumen golden set: questions by intent, channel and customer segment.

Questions come from phrasings written apart from the assistant's training
utterances (the tables at the end of this module) and are then styled for
the channel they arrive on:

* ``chat`` — typed text, sometimes with a greeting, a thank-you or a typo;
* ``email`` — longer and formal, with a greeting, context and signature;
* ``voice`` — a phone call through speech-to-text: lowercase, no
  punctuation, fillers ("um", "uh"), restarts, and the usual transcription
  slips that split or mishear words ("pass word", "a count", "zero" for Xero).

Every case is drawn from its own random stream seeded by ``(seed, index)``,
so a case's content and id depend only on those two: the first cases of a
larger set equal a smaller set's, and the same seed always gives the same
file. :func:`make_question` is the same machinery for one question, for
simulated production traffic.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from aivitals.demo._kb import FALLBACK_ANSWER, INTENTS, OUT_OF_SCOPE, intent_by_id

__all__ = [
    "CHANNELS",
    "FALLBACK_KEY_PHRASE",
    "SEGMENTS",
    "golden_cases",
    "make_question",
    "write_golden_set",
]

#: Channels a question can arrive on, with their share of golden cases.
CHANNELS: tuple[str, ...] = ("chat", "email", "voice")
_CHANNEL_WEIGHTS = (0.5, 0.25, 0.25)

#: Customer segments (plan tiers).
SEGMENTS: tuple[str, ...] = ("free", "pro", "enterprise")
_SEGMENT_WEIGHTS = (0.45, 0.4, 0.15)
# Some intents are asked mostly by one tier.
_SEGMENT_WEIGHTS_BY_INTENT = {
    "sso_setup": (0.0, 0.2, 0.8),
    "team_members": (0.2, 0.5, 0.3),
    "api_keys": (0.1, 0.5, 0.4),
    "upgrade_plan": (0.7, 0.25, 0.05),
    "downgrade_plan": (0.1, 0.7, 0.2),
}

#: Share of golden cases that Lumen's assistant should decline.
_OUT_OF_SCOPE_SHARE = 0.05

#: Chance that a chat message has one typo.
_TYPO_RATE = 0.15
#: Chance that each speech-to-text slip applies to a voice question.
_ASR_SLIP_RATE = 0.7

#: Substring of the fallback answer, the key phrase of out-of-scope cases.
FALLBACK_KEY_PHRASE = "connect you with a person"

_CHAT_OPENERS = ("", "", "", "hi, ", "hello! ", "hey ", "Hi there. ")
_CHAT_CLOSERS = ("", "", "", " thanks", " thx!", " Thanks in advance.", " please")
_EMAIL_GREETINGS = (
    "Hello,",
    "Dear Lumen Support,",
    "Hi team,",
    "Good morning,",
    "Dear support team,",
)
_EMAIL_OPENERS = (
    "I hope you are well.",
    "I am writing with a question about our account.",
    "I could not find the answer in your help centre.",
    "",
)
_EMAIL_CONTEXT = (
    "We are a small design studio and have used Lumen for two years.",
    "This is fairly urgent as our month-end close is on Friday.",
    "Thank you in advance for your help.",
    "I would appreciate a reply at your earliest convenience.",
    "Our finance team has asked me to sort this out this week.",
)
_EMAIL_CLOSINGS = ("Kind regards", "Best regards", "Many thanks", "Regards", "Best wishes")
_NAMES = ("Maria Lopez", "Tom Becker", "Aisha Khan", "Jonas Berg", "Chloe Martin", "Ravi Patel")
_COMPANIES = ("Acme GmbH", "Northwind Studio", "Blue Fern Ltd", "Kestrel & Co", "Orbit Labs")

_VOICE_OPENERS = ("", "um ", "uh ", "yeah hi um ", "hi yes ", "okay so ", "hello um ", "so ")
_VOICE_FILLERS = ("um", "uh", "like", "you know", "er")
# Speech-to-text slips, each applied with probability _ASR_SLIP_RATE.
_ASR_SLIPS: tuple[tuple[str, str], ...] = (
    ("password", "pass word"),
    ("account", "a count"),
    ("email", "e mail"),
    ("api", "a p i"),
    ("sso", "s s o"),
    ("2fa", "two f a"),
    ("two factor", "to factor"),
    ("authenticator", "authentic ator"),
    ("okta", "octa"),
    ("xero", "zero"),
    ("quickbooks", "quick books"),
    ("invoices", "in voices"),
    ("invoice", "in voice"),
    ("receipts", "recipes"),
    ("refund", "re fund"),
    ("upgrade", "up grade"),
    ("downgrade", "down grade"),
    ("payout", "pay out"),
    ("spreadsheet", "spread sheet"),
    ("logo", "low go"),
    ("vat", "that"),
    ("euros", "your rose"),
    ("charged", "charge"),
    ("recurring", "re curring"),
)


def make_question(intent: str, channel: str, rng: random.Random) -> str:
    """Write one question about ``intent`` as it would arrive on ``channel``.

    Args:
        intent: An intent id, or ``"out_of_scope"`` for an unrelated question.
        channel: One of :data:`CHANNELS`.
        rng: The random stream to draw from; the same state gives the same text.

    Raises:
        ValueError: ``channel`` is not one of :data:`CHANNELS`.
        KeyError: ``intent`` is not a known intent.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if intent == OUT_OF_SCOPE:
        written = spoken = _OUT_OF_SCOPE_QUESTIONS
    else:
        intent_by_id(intent)
        written, spoken = _PHRASINGS[intent]
    if channel == "voice":
        return _voice(rng.choice(spoken), rng)
    if channel == "email":
        return _email(rng.choice(written), rng)
    return _chat(rng.choice(written), rng)


def golden_cases(*, n_cases: int = 600, seed: int = 7) -> list[dict[str, str]]:
    """Return the golden set as rows, as :func:`write_golden_set` writes them.

    Each row has ``id``, ``question``, ``answer`` (the expected reply),
    ``key_phrase`` (a substring of ``answer``), ``intent``, ``intent_group``,
    ``channel``, ``segment`` and ``language``. Out-of-scope rows expect the
    fallback answer and intent ``"out_of_scope"``.

    Raises:
        ValueError: ``n_cases`` is not positive.
    """
    if n_cases < 1:
        raise ValueError(f"n_cases must be at least 1, not {n_cases}")
    return [_case(seed, index) for index in range(n_cases)]


def write_golden_set(path: Path, *, n_cases: int = 600, seed: int = 7) -> Path:
    """Write the golden set to ``path`` as JSON Lines and return ``path``.

    Parent directories are created. The same ``n_cases`` and ``seed`` always
    give the same bytes.
    """
    rows = golden_cases(n_cases=n_cases, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")
    return path


def _case(seed: int, index: int) -> dict[str, str]:
    # A string seed is hashed with SHA-512, so streams are stable across runs.
    rng = random.Random(f"lumen-golden:{seed}:{index}")
    if rng.random() < _OUT_OF_SCOPE_SHARE:
        intent, group, answer, key_phrase = (
            OUT_OF_SCOPE,
            OUT_OF_SCOPE,
            FALLBACK_ANSWER,
            FALLBACK_KEY_PHRASE,
        )
    else:
        spec = rng.choice(INTENTS)
        intent, group, answer, key_phrase = spec.id, spec.group, spec.answer, spec.key_phrase
    channel = rng.choices(CHANNELS, weights=_CHANNEL_WEIGHTS)[0]
    weights = _SEGMENT_WEIGHTS_BY_INTENT.get(intent, _SEGMENT_WEIGHTS)
    segment = rng.choices(SEGMENTS, weights=weights)[0]
    return {
        "id": f"lumen-{seed}-{index:04d}",
        "question": make_question(intent, channel, rng),
        "answer": answer,
        "key_phrase": key_phrase,
        "intent": intent,
        "intent_group": group,
        "channel": channel,
        "segment": segment,
        "language": "en",
    }


def _chat(text: str, rng: random.Random) -> str:
    if rng.random() < _TYPO_RATE:
        text = _typo(text, rng)
    if rng.random() < 0.25:
        text = text[0].lower() + text[1:]
    if rng.random() < 0.3:
        text = text.rstrip("?.!")
    return rng.choice(_CHAT_OPENERS) + text + rng.choice(_CHAT_CLOSERS)


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    j = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]  # swap two letters
    else:
        words[i] = word[:j] + word[j + 1 :]  # drop one letter
    return " ".join(words)


def _email(text: str, rng: random.Random) -> str:
    if text[-1] not in "?.!":
        text += "."
    opener = rng.choice(_EMAIL_OPENERS)
    body = " ".join(part for part in (opener, text, rng.choice(_EMAIL_CONTEXT)) if part)
    signature = rng.choice(_NAMES)
    if rng.random() < 0.5:
        signature += f"\n{rng.choice(_COMPANIES)}"
    return (
        f"{rng.choice(_EMAIL_GREETINGS)}\n\n{body}\n\n{rng.choice(_EMAIL_CLOSINGS)},\n{signature}"
    )


def _voice(text: str, rng: random.Random) -> str:
    text = re.sub(r"[^\w\s']", " ", text.lower())
    for written, heard in _ASR_SLIPS:
        if rng.random() < _ASR_SLIP_RATE:
            text = re.sub(rf"\b{written}\b", heard, text)
    words = text.split()
    if len(words) > 3 and rng.random() < 0.5:
        words.insert(rng.randrange(1, len(words)), rng.choice(_VOICE_FILLERS))
    if len(words) > 2 and rng.random() < 0.3:
        k = rng.randrange(1, 3)
        words = words[:k] + words[:k] + words[k:]  # a restart: "i want i want to"
    return (rng.choice(_VOICE_OPENERS) + " ".join(words)).strip()


#: intent id -> (written phrasings, spoken phrasings)
_PHRASINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "password_reset": (
        (
            "What's the process for getting a new password?",
            "I need to change my password because I can't remember the old one",
            "My password isn't working anymore and I need a new one",
            "Where do I go to set a new password?",
            "I never got the email to reset my password",
        ),
        (
            "i don't remember my password",
            "i need a new password please",
            "my password doesn't work can you help me reset it",
            "i want to reset my password",
        ),
    ),
    "change_email": (
        (
            "Can I change the email address I sign in with?",
            "I moved to a new company email, how do I update my profile?",
            "Where do I edit my account email?",
            "Please switch my login to my new email address",
        ),
        (
            "i need to change my email address",
            "how do i change the email on the account",
            "i have a new email can you change it",
        ),
    ),
    "team_members": (
        (
            "How can I give my bookkeeper access to Lumen?",
            "Is it possible to add another user to our workspace?",
            "How many people can use one account?",
            "I want to invite my business partner to our account",
        ),
        (
            "how do i add another user",
            "can i add my colleague to the account",
            "i want to invite someone to my team",
        ),
    ),
    "account_locked": (
        (
            "It says my account is locked, what do I do?",
            "I entered the wrong password a few times and now I'm locked out",
            "Why can't I log in? It says the account is blocked",
            "How long does an account lockout last?",
        ),
        (
            "my account is locked out",
            "it says my account is blocked",
            "i am locked out of the account",
        ),
    ),
    "two_factor_setup": (
        (
            "How can I turn on 2FA for my login?",
            "Can I protect my account with an authenticator app?",
            "Where do I enable two-step verification?",
            "I'd like to add two-factor authentication to my account",
        ),
        (
            "how do i turn on two factor authentication",
            "i want to set up 2fa",
            "can i use an authenticator app",
        ),
    ),
    "lost_2fa_device": (
        (
            "I got a new phone and lost my authenticator, how do I log in?",
            "My 2FA app is gone and I can't get a code",
            "I lost the device I use for two-factor login",
            "How do I use a recovery code?",
        ),
        (
            "i lost my phone and i can't get the code",
            "i don't have my authenticator app anymore",
            "my two factor codes are gone",
        ),
    ),
    "sso_setup": (
        (
            "Can we use single sign-on with Okta?",
            "Does Lumen support SAML login?",
            "We want our staff to sign in with Azure AD",
            "How do we set up SSO for our company?",
        ),
        (
            "do you have single sign on",
            "can we log in with okta",
            "we want to set up sso",
        ),
    ),
    "upgrade_plan": (
        (
            "How do I move up to the Pro plan?",
            "What happens to my bill if I upgrade halfway through the month?",
            "I'd like to upgrade our account to Enterprise",
            "Where can I switch to a bigger plan?",
        ),
        (
            "i want to upgrade my plan",
            "how do i get the pro plan",
            "can i upgrade to enterprise",
        ),
    ),
    "downgrade_plan": (
        (
            "Can I switch from Pro back to the free plan?",
            "How do I move to a cheaper plan?",
            "Will I lose data if I downgrade?",
            "I'd like to downgrade my subscription",
        ),
        (
            "i want to downgrade my plan",
            "can i go back to the free plan",
            "i want a cheaper plan",
        ),
    ),
    "cancel_subscription": (
        (
            "How can I cancel my Lumen subscription?",
            "I'd like to stop my plan from renewing",
            "Please cancel my subscription",
            "Where is the button to cancel my plan?",
        ),
        (
            "i want to cancel my subscription",
            "how do i cancel",
            "please cancel my account",
        ),
    ),
    "update_payment_method": (
        (
            "How do I change the card you charge?",
            "My credit card expired, where do I put the new one?",
            "Can I pay by SEPA debit instead of card?",
            "I need to update my billing card",
        ),
        (
            "i need to change my credit card",
            "my card has expired",
            "how do i update my payment card",
        ),
    ),
    "failed_payment": (
        (
            "Why was my card declined for the subscription?",
            "I got an email that my payment failed",
            "What happens if my payment doesn't go through?",
            "My last payment to Lumen was unsuccessful",
        ),
        (
            "my payment didn't go through",
            "it says my card was declined",
            "the payment failed",
        ),
    ),
    "billing_receipts": (
        (
            "Where do I download receipts for my Lumen plan?",
            "I need a copy of my subscription receipt for accounting",
            "Can I see my billing history with you?",
            "How do I get a VAT receipt for my subscription?",
        ),
        (
            "i need a receipt for my subscription",
            "where are my receipts",
            "can i get my billing history",
        ),
    ),
    "request_refund": (
        (
            "I'd like a refund for my annual plan",
            "Can I get my money back? I bought the wrong plan",
            "What's your refund policy?",
            "I was charged for a year I don't want, please refund me",
            "Is it too late to ask for a refund?",
        ),
        (
            "i want a refund",
            "can i get my money back",
            "i need a refund for my plan",
            "i'd like to ask for a refund please",
        ),
    ),
    "refund_status": (
        (
            "My refund still hasn't arrived, where is it?",
            "How many days does a refund take to show up?",
            "You approved my refund but I don't see it on my card",
            "Can you check on the status of my refund?",
            "It's been a week and no refund yet",
        ),
        (
            "what happened to my refund",
            "i haven't got my refund yet",
            "how long does the refund take",
            "my refund hasn't come through",
        ),
    ),
    "double_charge": (
        (
            "I see two charges from Lumen on my card this month",
            "Why did you bill me twice?",
            "There's a duplicate charge on my statement",
            "I think I paid twice for the same month",
            "You charged my card two times, please fix it",
        ),
        (
            "i got charged twice",
            "there are two charges on my card",
            "you billed me two times",
            "i see a double charge",
        ),
    ),
    "refund_customer": (
        (
            "A client paid too much, how do I send part of it back?",
            "How can I refund an invoice my customer already paid?",
            "I need to return a payment to one of my clients",
            "Can I do a partial refund on an invoice?",
            "My customer wants a refund, how do I give it to them?",
        ),
        (
            "how do i refund my customer",
            "my client paid too much",
            "i need to give my client a refund",
            "how do i refund an invoice",
        ),
    ),
    "create_invoice": (
        (
            "How do I make my first invoice?",
            "I want to bill a client for a project",
            "Where do I create a new invoice?",
            "How do I send an invoice by email?",
        ),
        (
            "how do i make an invoice",
            "i want to send an invoice to my client",
            "how do i create a new invoice",
        ),
    ),
    "invoice_template": (
        (
            "Can I put my company logo on the invoices?",
            "How do I change how my invoices look?",
            "I want to change the colors on my invoice template",
            "Where do I edit the invoice footer?",
        ),
        (
            "how do i put my logo on the invoice",
            "i want to change the invoice design",
            "can i change the colors on my invoices",
        ),
    ),
    "recurring_invoices": (
        (
            "Can Lumen send the same invoice every month?",
            "How do I make an invoice repeat automatically?",
            "I bill a retainer monthly, can that be automated?",
            "Set up a monthly recurring invoice for a client",
        ),
        (
            "can i make the invoice repeat every month",
            "i want recurring invoices",
            "how do i send an invoice automatically every month",
        ),
    ),
    "payment_reminders": (
        (
            "A client is late paying, can Lumen remind them?",
            "How do I send a reminder for an overdue invoice?",
            "Can I change when payment reminders go out?",
            "Do you send automatic reminders for unpaid invoices?",
        ),
        (
            "my client hasn't paid the invoice",
            "can you send a reminder to my client",
            "how do i remind people to pay",
        ),
    ),
    "tax_settings": (
        (
            "Where do I set the VAT rate on invoices?",
            "How can I add sales tax to my invoices?",
            "Can different items have different tax rates?",
            "My invoices don't show tax, how do I add it?",
        ),
        (
            "how do i add tax to my invoices",
            "where do i set up vat",
            "i need to change the tax rate",
        ),
    ),
    "multi_currency": (
        (
            "Can I send an invoice in euros?",
            "How do I change the currency on an invoice?",
            "Do you support invoicing in British pounds?",
            "My client wants to pay in dollars, is that possible?",
        ),
        (
            "can i send invoices in euros",
            "how do i change the currency",
            "can i bill in dollars",
        ),
    ),
    "export_data": (
        (
            "Can I download all my invoices as a spreadsheet?",
            "How do I export my clients to Excel?",
            "I need a CSV of every payment this year",
            "Where is the export option for reports?",
        ),
        (
            "how can i export all my invoices",
            "can i download everything to excel",
            "i need a spreadsheet of my payments",
        ),
    ),
    "data_deletion": (
        (
            "Please delete my account and all my data",
            "How do I make a GDPR deletion request?",
            "I want everything you store about me erased",
            "How can I permanently remove my workspace?",
        ),
        (
            "i want you to delete all my data",
            "how do i delete my account completely",
            "please erase my information",
        ),
    ),
    "api_keys": (
        (
            "Where do I generate an API key?",
            "How can my developer get access to the API?",
            "I need to rotate our API token",
            "How do I create credentials for the Lumen API?",
        ),
        (
            "how can i get a key for the api",
            "i need a new api key",
            "where do i create an api token",
        ),
    ),
    "accounting_integrations": (
        (
            "Does Lumen connect to QuickBooks?",
            "Can I sync my invoices with Xero?",
            "Which accounting tools do you integrate with?",
            "How do I link Lumen and Sage?",
        ),
        (
            "do you work with quickbooks",
            "can i connect xero",
            "how do i sync with my accounting software",
        ),
    ),
    "payouts": (
        (
            "When will client payments land in my bank account?",
            "How often do you pay out to my bank?",
            "My customer paid but the money isn't in my account yet",
            "How do I change the bank account you pay out to?",
        ),
        (
            "when do i get my money",
            "my client paid but i don't have the money",
            "when does the payout come",
        ),
    ),
    "service_status": (
        (
            "Is Lumen having an outage right now?",
            "The dashboard won't load for me, is something wrong?",
            "I keep getting errors, is the site down?",
            "Are your servers down?",
        ),
        (
            "is the app down",
            "the website isn't loading",
            "is there an outage right now",
        ),
    ),
    "contact_human": (
        (
            "Can I talk to a real person please?",
            "How do I reach a human in support?",
            "I'd rather speak to an agent",
            "Is there a phone number I can call?",
        ),
        (
            "can i talk to a real person",
            "i want to speak to an agent",
            "give me a human please",
        ),
    ),
}

#: Questions Lumen's assistant should not try to answer.
_OUT_OF_SCOPE_QUESTIONS: tuple[str, ...] = (
    "What's the weather going to be like in Paris tomorrow?",
    "Can you recommend a good pizza place near me?",
    "Who won the football match last night?",
    "How do I bake sourdough bread?",
    "What is the capital of Australia?",
    "Tell me a joke about penguins",
    "Translate 'good morning' into Japanese",
    "What time does the train to Berlin leave?",
    "Can you help me write a birthday poem for my mum?",
    "How many calories are in a banana?",
)
