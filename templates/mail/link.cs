<?cs # mail/link.cs — the text part of the mail that carries a password link
       (an invitation or a reset, Mail.purpose), and its subject.  The worker
       opens the link's token into Mail.link and renders this in the person's
       language.  Rendered by tmpl_render_mail: plain text, nothing escaped.
       The first line is the subject, then an empty line, then the body. ?>Subject: <?cs if:Mail.purpose == "reset" ?><?cs var:Lang.offboard.link_mail.subject_reset ?><?cs else ?><?cs var:Lang.offboard.link_mail.subject_invite ?><?cs /if ?>

<?cs var:Mail.name ?>,

<?cs if:Mail.purpose == "reset" ?><?cs var:Lang.offboard.link_mail.reset ?><?cs else ?><?cs var:Lang.offboard.link_mail.invite ?><?cs /if ?>
<?cs var:Mail.link ?>

<?cs var:Lang.offboard.link_mail.valid ?> <?cs var:Mail.expires ?>.

-- 
<?cs var:Lang.app.name ?> · <?cs var:Mail.address ?>
<?cs var:Lang.offboard.link_mail.why ?>
