<?cs # mail/notification.html.cs — the HTML part of a notification email: the
       same words as mail/notification.cs.  Rendered by tmpl_render like a page,
       so every var: is HTML-escaped (an inbox's name is anyone's text). ?><!DOCTYPE html>
<html lang="<?cs var:Page.lang ?>">
<head><meta charset="utf-8"><title><?cs var:Mail.subject ?></title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2328">
<p><strong><?cs var:Mail.text ?></strong></p>
<p><?cs var:Mail.cause ?></p>
<p><a href="<?cs var:Mail.link ?>"><?cs var:Lang.notify.open_inbox ?></a></p>
<hr>
<p style="color: #59636e; font-size: smaller"><?cs var:Lang.app.name ?> · <?cs var:Mail.date ?><br>
<?cs var:Lang.mail.notification.why ?></p>
</body>
</html>
