Subject: Second reminder: unpaid invoice {invoice}

Hello {contact},

Despite our previous reminder, invoice {invoice} of {issue_date}, for
{amount_due} {currency}, which fell due on {due_date}, remains unpaid
and is now {days_overdue} days overdue.

We ask you to settle it without further delay, and no later than
{deadline_date}.

By bank transfer:
IBAN: {iban}
BIC: {bic}
Reference: {invoice}

Or online: {payment_link}

Please note that any late payment automatically incurs late-payment
interest at an annual rate of {interest_rate}% and a fixed recovery
indemnity of {indemnity} EUR (French Commercial Code, articles L441-10
and D441-5). If we have not received payment by that date, we will send
you a formal notice, the step before court recovery proceedings.

If a disagreement or a difficulty explains this delay, please reply
today: we would always rather find a solution together.

Regards,

{sender}
{company_name}
