Subject: a {invoice}
 b

{{x} {contact
{unknown}
ÿ
