erase 3 --reason 'subject request (GDPR Art. 17)'
