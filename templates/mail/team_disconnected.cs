<?cs # mail/team_disconnected.cs — the email to each person rule 6 names when a
       team email is disconnected.  Mail.address is the address.  Rendered by
       tmpl_render_mail: plain text, nothing escaped.  The first line is the
       subject, then an empty line, then the body. ?><?cs
include:"macros.cs" ?>Subject: <?cs call:fill(Lang.mail.team_disconnected.subject, "address", Mail.address) ?>

<?cs call:fill(Lang.mail.team_disconnected.text, "address", Mail.address) ?>
<?cs var:Lang.mail.team_disconnected.next ?>

<?cs var:Lang.mail.team_disconnected.who ?>

-- 
<?cs var:Lang.app.name ?>
