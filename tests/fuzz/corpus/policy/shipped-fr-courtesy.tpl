Subject: Facture {invoice} : échéance le {due_date}

Bonjour {contact},

Petit rappel amical : la facture {invoice} du {issue_date}, d'un montant
de {amount_due} {currency}, arrive à échéance le {due_date}. Vous la
trouverez en pièce jointe pour faciliter son traitement.

Si son règlement est déjà programmé, merci beaucoup, et ne tenez pas
compte de ce message.

Pour régler par virement :
IBAN : {iban}
BIC : {bic}
Référence : {invoice}

Ou en ligne, en quelques clics : {payment_link}

Une question sur cette facture ? Il suffit de répondre à ce message.

Bien cordialement,

{sender}
{company_name}
