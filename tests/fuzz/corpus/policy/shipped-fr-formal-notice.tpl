Subject: Mise en demeure de payer : facture {invoice}

Madame, Monsieur,

Malgré nos relances, la facture {invoice} émise le {issue_date}, d'un
montant de {amount_original} {currency}, échue le {due_date}, reste
impayée à ce jour à hauteur de {amount_due} {currency}.

Par la présente, nous vous mettons en demeure de nous régler, dans un
délai de {deadline_days} jours à compter de la réception de cette lettre,
la somme de {total_claimed} {currency}, qui se décompose ainsi :

- principal restant dû : {amount_due} {currency} ;
- pénalités de retard au taux annuel de {interest_rate} % (taux de la
  Banque centrale européenne majoré de 10 points, article L441-10 du
  Code de commerce), arrêtées au {today} : {interest_amount} {currency} ;
- indemnité forfaitaire pour frais de recouvrement (article D441-5 du
  Code de commerce) : {indemnity} EUR.

Le règlement peut être effectué par virement (IBAN {iban}, BIC {bic},
référence {invoice}) ou en ligne : {payment_link}.

À défaut de paiement dans ce délai, nous saisirons sans autre avis la
juridiction compétente, notamment par une requête en injonction de
payer.

La présente lettre vaut mise en demeure au sens de l'article 1344 du
Code civil.

Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos
salutations distinguées.
