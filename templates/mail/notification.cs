<?cs # mail/notification.cs — the text part of a notification email, and its
       subject.  The worker puts the sentences in Mail.* (notify_words_of, in
       the recipient's language).  Rendered by tmpl_render_mail: plain text,
       nothing escaped.  The first line is the subject, then an empty line,
       then the body. ?>Subject: <?cs var:Mail.subject ?>

<?cs var:Mail.text ?>
<?cs var:Mail.cause ?>

<?cs var:Lang.mail.notification.open ?>
<?cs var:Mail.link ?>

-- 
<?cs var:Lang.app.name ?> · <?cs var:Mail.date ?>
<?cs var:Lang.mail.notification.why ?>
