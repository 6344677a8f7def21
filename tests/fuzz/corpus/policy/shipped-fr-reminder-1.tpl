Subject: Facture impayée {invoice} du {issue_date}

Bonjour {contact},

Sauf erreur de notre part, la facture {invoice} du {issue_date}, d'un
montant de {amount_due} {currency}, arrivée à échéance le {due_date},
n'a pas encore été réglée. Vous la trouverez de nouveau en pièce jointe.

Il s'agit sans doute d'un simple oubli : pourriez-vous procéder à son
règlement dans les meilleurs délais ?

Par virement :
IBAN : {iban}
BIC : {bic}
Référence : {invoice}

Ou en ligne : {payment_link}

Si votre paiement a croisé ce message, merci de ne pas en tenir compte.
Et si cette facture pose un problème, répondez-nous simplement : nous
regarderons cela ensemble.

Bien cordialement,

{sender}
{company_name}
