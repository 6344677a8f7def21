Subject: Merci pour votre règlement de la facture {invoice}

Bonjour {contact},

Nous avons bien reçu votre règlement de la facture {invoice} du
{issue_date}, qui est désormais entièrement soldée. Merci beaucoup !

C'est toujours un plaisir de travailler avec vous. N'hésitez pas à nous
écrire si nous pouvons vous être utiles.

Très cordialement,

{sender}
{company_name}
