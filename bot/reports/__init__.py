"""Monthly reports for the console: the month's figures (``figures``) written as ODS/ODT (``office``) and PDF
(``pdf``), in English or Traditional Chinese."""
