"""Knowledge base of Lumen, the fictional invoicing app the demo assistant supports.

Each intent carries its canonical answer, a key phrase that appears in the
answer and nowhere else (so a ``contains`` scorer can check it), and three
sets of training utterances:

* ``utterances`` — the core phrasings both assistant versions train on;
* ``colloquial`` — informal phrasings lifted from chat and phone logs, which
  the v1 knowledge base keeps and the "streamlined" v2 knowledge base drops
  as noise;
* ``written`` — formal phrasings mined from email tickets, added in v2.

The golden set is written from separate templates (see ``_golden.py``), never
from these strings.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FALLBACK_ANSWER",
    "GROUPS",
    "INTENTS",
    "OUT_OF_SCOPE",
    "Intent",
    "intent_by_id",
]

#: Intent label of questions the assistant should not answer.
OUT_OF_SCOPE = "out_of_scope"

#: What the assistant says when it is not confident enough to answer.
FALLBACK_ANSWER = "I'm not sure I can help with that — let me connect you with a person."


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing customers ask about, and the answer the assistant gives.

    Attributes:
        id: Stable intent label, e.g. ``"password_reset"``.
        group: Intent family, e.g. ``"refunds"``; a slice of the golden set.
        answer: Canonical answer text, 1-3 sentences.
        key_phrase: Substring of ``answer`` unique to this intent.
        utterances: Training phrasings shared by every assistant version.
        colloquial: Informal training phrasings, kept by v1 only.
        written: Formal training phrasings from email tickets, added in v2.
    """

    id: str
    group: str
    answer: str
    key_phrase: str
    utterances: tuple[str, ...]
    colloquial: tuple[str, ...]
    written: tuple[str, ...]


def _intent(
    intent_id: str,
    group: str,
    answer: str,
    key_phrase: str,
    *,
    core: tuple[str, ...],
    colloquial: tuple[str, ...],
    written: tuple[str, ...],
) -> Intent:
    return Intent(intent_id, group, answer, key_phrase, core, colloquial, written)


INTENTS: tuple[Intent, ...] = (
    # -- account -----------------------------------------------------------
    _intent(
        "password_reset",
        "account",
        "Click 'Forgot password' on the sign-in page and we will email you a reset link "
        "that is valid for 30 minutes.",
        "Forgot password",
        core=(
            "I forgot my password",
            "how do I reset my password",
            "reset password",
            "I can't remember my password",
            "send me a password reset link",
        ),
        colloquial=(
            "forgot my pw lol",
            "cant log in forgot my password",
            "pls help me reset my pass",
        ),
        written=(
            "I would like to reset the password for my account",
            "Could you send me a password reset email",
            "I am unable to recall my account password",
        ),
    ),
    _intent(
        "change_email",
        "account",
        "Go to Settings > Profile to change your sign-in email; we send a confirmation link "
        "to the new address before the change takes effect.",
        "Settings > Profile",
        core=(
            "how do I change my email address",
            "update the email on my account",
            "change login email",
            "I want to use a different email address",
            "my email address changed, how do I update it",
        ),
        colloquial=(
            "new email how do i switch it",
            "wanna change the email i log in with",
            "got a new work email need to swap it",
        ),
        written=(
            "I would like to update the email address associated with my account",
            "Please change the contact email on our account",
            "How can I modify the email address I use to sign in",
        ),
    ),
    _intent(
        "team_members",
        "account",
        "Invite teammates from Settings > Team > Invite; Pro includes five seats and "
        "Enterprise has unlimited seats.",
        "Invite teammates",
        core=(
            "how do I add a user",
            "invite a colleague to my account",
            "add team members",
            "can my accountant get access",
            "how many users can I have",
        ),
        colloquial=(
            "can my coworker get in too",
            "need to add my bookkeeper",
            "how do i let someone else log in to our account",
        ),
        written=(
            "I would like to grant a colleague access to our workspace",
            "Please advise how to add additional users to our account",
            "How many seats are included in our subscription",
            "Our external bookkeeper needs access to the account",
            "How many people can use the workspace",
        ),
    ),
    _intent(
        "account_locked",
        "account",
        "Your account locks after five failed sign-in attempts and unlocks automatically "
        "after 15 minutes.",
        "unlocks automatically after 15 minutes",
        core=(
            "my account is locked",
            "it says too many failed login attempts",
            "account locked out",
            "I am locked out of my account",
            "why was my account blocked",
        ),
        colloquial=(
            "locked out again ugh",
            "tried logging in too many times now its blocked",
            "it wont let me in says locked",
        ),
        written=(
            "Our account has been locked after several unsuccessful sign-in attempts",
            "After entering an incorrect password repeatedly we are locked out",
            "How long does the lockout period last",
            "Could you please unlock my user account",
            "I received a message that my account is temporarily blocked",
        ),
    ),
    # -- security ----------------------------------------------------------
    _intent(
        "two_factor_setup",
        "security",
        "Turn on two-factor authentication under Security > 2FA and scan the QR code "
        "with an authenticator app.",
        "scan the QR code",
        core=(
            "how do I enable two-factor authentication",
            "set up 2FA",
            "turn on two step verification",
            "use an authenticator app with my account",
            "add extra security to my login",
        ),
        colloquial=(
            "want that code thing when i log in",
            "how do i turn on the 2 step thing",
            "can i use google authenticator with this",
        ),
        written=(
            "We would like to enforce two-factor authentication for our account",
            "Please explain how to activate multi-factor authentication",
            "Does Lumen support authenticator applications for sign-in",
        ),
    ),
    _intent(
        "lost_2fa_device",
        "security",
        "Sign in with one of your backup recovery codes; if you have none, support verifies "
        "your identity and resets 2FA within one business day.",
        "backup recovery codes",
        core=(
            "I lost my phone with the authenticator app",
            "can't get my 2FA code",
            "lost my two-factor device",
            "new phone and my authenticator codes are gone",
            "recovery codes for two factor",
        ),
        colloquial=(
            "broke my phone cant get the code",
            "got a new phone and now the login code is gone",
            "dont have the 2fa thing anymore",
        ),
        written=(
            "I no longer have access to my two-factor authentication device",
            "My authentication app was deleted and I cannot sign in",
            "Please reset the two-factor authentication on my account",
        ),
    ),
    _intent(
        "sso_setup",
        "security",
        "Enterprise workspaces can turn on SAML single sign-on under Security > SSO with "
        "Okta, Azure AD or Google Workspace.",
        "SAML single sign-on",
        core=(
            "do you support SSO",
            "set up single sign-on",
            "SAML with Okta",
            "connect Azure AD for login",
            "can we log in with Google Workspace",
        ),
        colloquial=(
            "can we use our okta login",
            "our it guy wants sso",
            "log in with our company account instead",
        ),
        written=(
            "Our IT department requires SAML-based single sign-on",
            "Please confirm whether Lumen integrates with our identity provider",
            "We would like to configure SSO for all employees",
        ),
    ),
    # -- billing -----------------------------------------------------------
    _intent(
        "upgrade_plan",
        "billing",
        "Upgrade any time from Billing > Plans; you only pay the prorated difference for "
        "the rest of the cycle.",
        "prorated difference",
        core=(
            "how do I upgrade my plan",
            "switch to the Pro plan",
            "upgrade to Enterprise",
            "I need more features, how do I upgrade",
            "what does it cost to upgrade mid-month",
        ),
        colloquial=(
            "wanna go pro",
            "how do i get the bigger plan",
            "free plan isnt enough anymore",
        ),
        written=(
            "We would like to upgrade our subscription to the Pro tier",
            "Please advise on moving our account to a higher plan",
            "How is billing calculated when upgrading during a billing period",
            "We need a bigger plan with more features",
        ),
    ),
    _intent(
        "downgrade_plan",
        "billing",
        "Downgrades take effect at the end of your current billing period, and none of "
        "your data is deleted.",
        "end of your current billing period",
        core=(
            "how do I downgrade my plan",
            "switch to a cheaper plan",
            "move from Pro to Free",
            "I want a smaller plan",
            "downgrade subscription",
        ),
        colloquial=(
            "too expensive wanna go back to free",
            "can i drop down a plan",
            "dont need pro anymore",
        ),
        written=(
            "We would like to move our account to a lower-priced plan",
            "Please downgrade our subscription from Enterprise to Pro",
            "What happens to our data if we change to a smaller plan",
        ),
    ),
    _intent(
        "cancel_subscription",
        "billing",
        "Cancel from Billing > Subscription > Cancel plan; you keep access until the period "
        "ends and are not charged again.",
        "Cancel plan",
        core=(
            "how do I cancel my subscription",
            "cancel my plan",
            "stop my subscription",
            "I want to cancel Lumen",
            "end my membership",
        ),
        colloquial=(
            "how do i get out of this",
            "done with lumen how do i quit",
            "stop charging me i want out",
        ),
        written=(
            "I would like to terminate our subscription",
            "Please cancel our account at the end of the current term",
            "We have decided not to renew our Lumen subscription",
        ),
    ),
    _intent(
        "update_payment_method",
        "billing",
        "Update your card under Billing > Payment methods; we accept Visa, Mastercard, Amex "
        "and SEPA direct debit.",
        "Payment methods",
        core=(
            "how do I update my credit card",
            "change my payment method",
            "my card expired",
            "add a new card",
            "can I pay by direct debit",
        ),
        colloquial=(
            "new card how do i put it in",
            "card ran out need to change it",
            "wanna pay with a different card",
        ),
        written=(
            "Please update the credit card on file for our subscription",
            "Our company card has been replaced and we need to change billing details",
            "Which payment methods do you accept",
        ),
    ),
    _intent(
        "failed_payment",
        "billing",
        "When a payment fails we retry it three times over seven days; update your card "
        "before then to avoid suspension.",
        "retry it three times",
        core=(
            "my payment failed",
            "card was declined",
            "why did my payment not go through",
            "payment unsuccessful warning",
            "will my account be suspended for non-payment",
        ),
        colloquial=(
            "says payment didnt work",
            "card got declined what now",
            "got an email saying you couldnt charge me",
        ),
        written=(
            "We received a notification that our subscription payment was unsuccessful",
            "Our most recent charge was declined by the bank",
            "Please advise what happens if a payment cannot be collected",
        ),
    ),
    _intent(
        "billing_receipts",
        "billing",
        "Your Lumen subscription receipts are under Billing > Receipts and download as PDF.",
        "Billing > Receipts",
        core=(
            "where can I find my receipts",
            "download my Lumen invoice for the subscription",
            "I need a receipt for my payment to you",
            "billing history",
            "VAT receipt for my plan",
        ),
        colloquial=(
            "need the receipt for my boss",
            "where do i get proof i paid you",
            "my accountant wants your invoices",
        ),
        written=(
            "Please provide copies of our subscription invoices for the last year",
            "Our finance team requires receipts for the Lumen subscription",
            "Where can I download past billing statements",
        ),
    ),
    # -- refunds -----------------------------------------------------------
    _intent(
        "request_refund",
        "refunds",
        "Annual plans are refunded in full within 14 days of purchase; request it under "
        "Billing > Refunds or ask us here.",
        "within 14 days of purchase",
        core=(
            "can I get a refund",
            "I want my money back",
            "refund my subscription",
            "request a refund for the annual plan",
            "is there a money back guarantee",
        ),
        colloquial=(
            "gimme my money back",
            "paid by mistake want a refund",
            "can i get that charge back",
        ),
        written=(
            "I would like to request a refund for our annual subscription",
            "We were charged for a plan we did not intend to purchase and request reimbursement",
            "What is your refund policy",
        ),
    ),
    _intent(
        "refund_status",
        "refunds",
        "Approved refunds reach your card in 5-10 business days, and we email you when the "
        "refund is issued.",
        "5-10 business days",
        core=(
            "where is my refund",
            "how long does a refund take",
            "refund not received yet",
            "status of my refund",
            "when will I see the refund on my card",
        ),
        colloquial=(
            "still no refund what gives",
            "been waiting forever for my money",
            "refund hasnt shown up",
        ),
        written=(
            "We have not yet received the refund that was approved last week",
            "Could you confirm the status of our pending refund",
            "How long does it take for a refund to be processed",
            "The refund has still not arrived on our card",
        ),
    ),
    _intent(
        "double_charge",
        "refunds",
        "A second charge is usually a pending authorisation that drops off within 3 days; "
        "if it does not, we refund the duplicate automatically.",
        "pending authorisation",
        core=(
            "I was charged twice",
            "double charge on my card",
            "duplicate payment this month",
            "why are there two charges",
            "billed two times for the same plan",
        ),
        colloquial=(
            "you took my money twice",
            "two charges on my statement wtf",
            "charged me double",
        ),
        written=(
            "Our bank statement shows two identical charges from Lumen",
            "It appears we have been billed twice for the same period",
            "Please investigate a duplicate transaction on our card",
        ),
    ),
    _intent(
        "refund_customer",
        "refunds",
        "To refund one of your customers, open the paid invoice and choose More > Issue "
        "refund; partial refunds are supported.",
        "Issue refund",
        core=(
            "how do I refund my client",
            "give a customer their money back",
            "refund a paid invoice",
            "partial refund to a customer",
            "my client paid twice, how do I return it",
        ),
        colloquial=(
            "client overpaid need to send it back",
            "how do i give my customer a refund",
            "customer wants money back on an invoice",
        ),
        written=(
            "One of our clients requires a partial refund on a settled invoice",
            "Please explain how to reverse a payment received from a customer",
            "How can we issue a credit to a client who overpaid",
        ),
    ),
    # -- invoicing ---------------------------------------------------------
    _intent(
        "create_invoice",
        "invoicing",
        "Create an invoice from Invoices > New, add line items and click Send; your client "
        "gets a payment link by email.",
        "Invoices > New",
        core=(
            "how do I create an invoice",
            "send an invoice to a client",
            "make a new invoice",
            "bill a customer",
            "add line items to an invoice",
        ),
        colloquial=(
            "how do i bill someone",
            "need to send my first invoice",
            "where do i make a bill for a customer",
        ),
        written=(
            "Please explain how to issue an invoice to a new client",
            "I would like to prepare and send an invoice for completed work",
            "What are the steps to generate an invoice",
            "We would like to bill our client for the consulting project",
        ),
    ),
    _intent(
        "invoice_template",
        "invoicing",
        "Customise your logo, colours and footer text in Settings > Invoice templates.",
        "Invoice templates",
        core=(
            "how do I add my logo to invoices",
            "change the invoice design",
            "customise invoice template",
            "change colours on my invoices",
            "edit the footer text on invoices",
        ),
        colloquial=(
            "make my invoices look nicer",
            "put my logo on the bill",
            "invoices look boring can i change them",
        ),
        written=(
            "We would like our invoices to reflect our corporate branding",
            "Is it possible to modify the layout of our invoice documents",
            "Please advise how to include our company logo on invoices",
        ),
    ),
    _intent(
        "recurring_invoices",
        "invoicing",
        "Set up recurring invoices by choosing Repeat on any invoice and picking weekly, "
        "monthly or yearly.",
        "choosing Repeat",
        core=(
            "how do I set up recurring invoices",
            "send an invoice every month automatically",
            "repeat invoice",
            "automatic monthly billing for a client",
            "schedule invoices for a retainer",
        ),
        colloquial=(
            "same bill every month can it auto send",
            "dont want to make the same invoice every time",
            "can invoices go out by themselves",
        ),
        written=(
            "We invoice several clients monthly and would like to automate this",
            "Please explain how to configure a recurring billing schedule",
            "Is it possible to issue invoices automatically at a fixed interval",
        ),
    ),
    _intent(
        "payment_reminders",
        "invoicing",
        "Automatic reminders go out 3 days before and 1, 7 and 14 days after the due date; "
        "adjust them in Settings > Reminders.",
        "Settings > Reminders",
        core=(
            "how do I remind a client to pay",
            "automatic payment reminders",
            "chase an overdue invoice",
            "client hasn't paid, can Lumen send a reminder",
            "late payment notifications",
        ),
        colloquial=(
            "customer wont pay can you nag them",
            "how do i chase people for money",
            "send a nudge for unpaid bills",
        ),
        written=(
            "Several of our invoices are overdue and we would like to notify the clients",
            "Please explain how dunning emails are configured",
            "Can reminders be sent automatically for outstanding invoices",
        ),
    ),
    _intent(
        "tax_settings",
        "invoicing",
        "Add VAT or sales tax rates in Settings > Taxes; each line item can carry its own rate.",
        "Settings > Taxes",
        core=(
            "how do I add VAT to invoices",
            "set up sales tax",
            "change the tax rate",
            "different tax rates per item",
            "reverse charge VAT",
        ),
        colloquial=(
            "where do i put the tax",
            "invoices dont show tax",
            "need to charge gst",
        ),
        written=(
            "We need to apply value added tax to invoices for EU customers",
            "Please advise how to configure tax rates for our region",
            "Is it possible to apply several tax rates on one invoice",
        ),
    ),
    _intent(
        "multi_currency",
        "invoicing",
        "Invoices can be issued in 35 currencies; set the currency per client or per invoice.",
        "35 currencies",
        core=(
            "can I invoice in euros",
            "change invoice currency",
            "bill a client in US dollars",
            "which currencies do you support",
            "multi currency invoicing",
        ),
        colloquial=(
            "client wants the bill in dollars",
            "can i charge in pounds",
            "does it do other money types",
        ),
        written=(
            "We have international clients and need to invoice in their local currency",
            "Please confirm whether invoices can be denominated in Swiss francs",
            "Is it possible to set a default currency for each client",
            "Can we invoice clients in British pounds or US dollars",
        ),
    ),
    # -- data --------------------------------------------------------------
    _intent(
        "export_data",
        "data",
        "Export invoices, clients and payments as CSV or Excel from Reports > Export.",
        "Reports > Export",
        core=(
            "how do I export my invoices",
            "download all my data as CSV",
            "export to Excel",
            "get a spreadsheet of payments",
            "export client list",
        ),
        colloquial=(
            "need all my stuff in a spreadsheet",
            "can i pull everything out into excel",
            "download my invoices in one go",
        ),
        written=(
            "Our auditors require an export of all invoices issued this year",
            "Please advise how to extract our payment data in a spreadsheet format",
            "Is a bulk export of client records available",
        ),
    ),
    _intent(
        "data_deletion",
        "data",
        "To erase your account and data under GDPR, go to Settings > Privacy > Delete "
        "workspace; everything is removed within 30 days.",
        "Delete workspace",
        core=(
            "delete my account and all data",
            "GDPR erasure request",
            "remove my personal data",
            "how do I permanently delete my workspace",
            "right to be forgotten",
        ),
        colloquial=(
            "wipe everything you have on me",
            "delete all my info",
            "get rid of my account for good",
        ),
        written=(
            "Under the GDPR I request the deletion of all personal data you hold",
            "Please permanently erase our company workspace and records",
            "We would like to exercise our right to erasure",
            "Please erase everything you store about our company",
        ),
    ),
    _intent(
        "api_keys",
        "data",
        "Create API keys under Developers > API keys; each key is shown only once, so store "
        "it somewhere safe.",
        "Developers > API keys",
        core=(
            "how do I get an API key",
            "create API token",
            "access the Lumen API",
            "regenerate my API key",
            "developer credentials",
        ),
        colloquial=(
            "my dev needs a key for the api",
            "where do i get the token thing for the api",
            "api key got leaked need a new one",
        ),
        written=(
            "Our developers require API credentials to integrate with Lumen",
            "Please explain how to rotate our API keys",
            "Where can I generate an access token for the REST API",
        ),
    ),
    # -- integrations ------------------------------------------------------
    _intent(
        "accounting_integrations",
        "integrations",
        "Lumen syncs with QuickBooks, Xero and Sage; connect them from Settings > Integrations.",
        "QuickBooks, Xero and Sage",
        core=(
            "do you integrate with QuickBooks",
            "connect Xero",
            "sync with my accounting software",
            "Sage integration",
            "link Lumen to my bookkeeping app",
        ),
        colloquial=(
            "does it work with quickbooks",
            "hook it up to xero",
            "can it talk to my accounting thing",
        ),
        written=(
            "We would like to synchronise Lumen with our accounting system",
            "Please confirm which accounting packages you integrate with",
            "Our bookkeeper uses Xero and would like transactions to sync automatically",
        ),
    ),
    _intent(
        "payouts",
        "integrations",
        "Payments collected through Lumen Payments are paid out to your bank account on a "
        "rolling two-day schedule.",
        "rolling two-day schedule",
        core=(
            "when do I get paid out",
            "payout schedule",
            "how long until client payments reach my bank",
            "money from invoices not in my bank account",
            "change the bank account for payouts",
        ),
        colloquial=(
            "when does the money hit my bank",
            "client paid but i didnt get the money",
            "where is my cash from lumen payments",
        ),
        written=(
            "Please advise when funds collected from our clients will be transferred",
            "We have not yet received the settlement for last week's payments",
            "How do we change the bank account that receives our payouts",
        ),
    ),
    # -- support -----------------------------------------------------------
    _intent(
        "service_status",
        "support",
        "Check live service status at status.lumen.example; we post incidents there within "
        "10 minutes.",
        "status.lumen.example",
        core=(
            "is Lumen down",
            "the app is not loading",
            "service outage",
            "are you having problems right now",
            "error 500 on the dashboard",
        ),
        colloquial=(
            "site broken",
            "nothing loads is it just me",
            "app keeps crashing today",
        ),
        written=(
            "We are unable to access the Lumen web application this morning",
            "Please confirm whether there is an ongoing service disruption",
            "Our team is experiencing repeated errors when loading invoices",
            "Are your servers down at the moment",
        ),
    ),
    _intent(
        "contact_human",
        "support",
        "You can reach a human agent through live chat in the Help menu, weekdays from "
        "8:00 to 20:00 CET.",
        "live chat in the Help menu",
        core=(
            "I want to talk to a person",
            "speak to a human agent",
            "contact support",
            "can I call someone",
            "customer service phone number",
        ),
        colloquial=(
            "get me a real person",
            "stop the bot i want a human",
            "let me talk to somebody",
        ),
        written=(
            "I would like to speak with a member of your support team",
            "Please provide contact details for your customer service department",
            "How can I reach a support representative",
        ),
    ),
)

#: Intent families, in display order.
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(i.group for i in INTENTS))

_BY_ID = {i.id: i for i in INTENTS}


def intent_by_id(intent_id: str) -> Intent:
    """Return the intent called ``intent_id``.

    Raises:
        KeyError: No intent has that id.
    """
    try:
        return _BY_ID[intent_id]
    except KeyError:
        raise KeyError(f"unknown intent {intent_id!r}; known: {', '.join(_BY_ID)}") from None
