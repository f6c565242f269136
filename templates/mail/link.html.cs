<?cs # mail/link.html.cs — the HTML part of the mail that carries a password
       link: the same words as mail/link.cs.  Rendered by tmpl_render like a
       page, so every var: is HTML-escaped (a name is anyone's text). ?><!DOCTYPE html>
<html lang="<?cs var:Page.lang ?>">
<head><meta charset="utf-8"><title><?cs if:Mail.purpose == "reset" ?><?cs var:Lang.offboard.link_mail.subject_reset ?><?cs else ?><?cs var:Lang.offboard.link_mail.subject_invite ?><?cs /if ?></title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1f2328">
<p><?cs var:Mail.name ?>,</p>
<p><?cs if:Mail.purpose == "reset" ?><?cs var:Lang.offboard.link_mail.reset ?><?cs else ?><?cs var:Lang.offboard.link_mail.invite ?><?cs /if ?></p>
<p><a href="<?cs var:Mail.link ?>"><?cs var:Lang.offboard.link_mail.open ?></a><br>
<?cs var:Mail.link ?></p>
<p><?cs var:Lang.offboard.link_mail.valid ?> <?cs var:Mail.expires ?>.</p>
<hr>
<p style="color: #59636e; font-size: smaller"><?cs var:Lang.app.name ?> · <?cs var:Mail.address ?><br>
<?cs var:Lang.offboard.link_mail.why ?></p>
</body>
</html>
