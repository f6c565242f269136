<?cs # urls.cs — every path of the site the templates link to, in one place, each
       with the Site.base prefix (the folder the panel is mounted below) inside.
       A page calls them inside an attribute (href, action) with call:url_email()
       and adds its own query string after the call.  The C side spells the same paths
       in its route tables (cgi/account.c, cgi/settings.c) and redirects.
       No text outside the tags, not even a final newline: every byte of this
       file outside them would reach the top of each page. ?><?cs

# The panel's front page (it sends you on to your inboxes or to sign in). ?><?cs
def:url_home() ?><?cs var:Site.base ?>/<?cs /def ?><?cs

# A file under static/, served by nginx: url_static("style.css"). ?><?cs
def:url_static(file) ?><?cs var:Site.static ?>/<?cs var:file ?><?cs /def ?><?cs

# A path the program gave as a value (Confirm.action, Error.next_url). ?><?cs
def:url_path(path) ?><?cs var:Site.base ?><?cs var:path ?><?cs /def ?><?cs

def:url_login() ?><?cs var:Site.base ?>/login<?cs /def ?><?cs
def:url_logout() ?><?cs var:Site.base ?>/logout<?cs /def ?><?cs
def:url_language() ?><?cs var:Site.base ?>/settings/language<?cs /def ?><?cs

# Settings › General › Email: the list, the provider choice, one provider, and
  an inbox's pages by action name (disable, enable, remove). ?><?cs
def:url_email() ?><?cs var:Site.base ?>/settings/email<?cs /def ?><?cs
def:url_email_connect() ?><?cs var:Site.base ?>/settings/email/connect<?cs /def ?><?cs
def:url_email_connect_to(provider) ?><?cs var:Site.base ?>/settings/email/connect/<?cs var:provider ?><?cs /def ?><?cs
def:url_email_action(id, action) ?><?cs var:Site.base ?>/settings/email/<?cs var:id ?>/<?cs var:action ?><?cs /def ?><?cs

def:url_audit() ?><?cs var:Site.base ?>/admin/audit<?cs /def ?><?cs
def:url_admin_connections() ?><?cs var:Site.base ?>/admin/connections<?cs /def ?><?cs

# Conversations › Inbox: the conversation inboxes, one inbox's channels, the
  provider choice and one provider for a new channel, and a channel's pages by
  action name (delete, reconnect). ?><?cs
def:url_inbox() ?><?cs var:Site.base ?>/inbox<?cs /def ?><?cs
def:url_channels(inbox) ?><?cs var:Site.base ?>/inbox/<?cs var:inbox ?>/settings/channels<?cs /def ?><?cs
def:url_channel_connect(inbox) ?><?cs var:Site.base ?>/inbox/<?cs var:inbox ?>/channels/connect<?cs /def ?><?cs
def:url_channel_connect_to(inbox, provider) ?><?cs var:Site.base ?>/inbox/<?cs var:inbox ?>/channels/connect/<?cs var:provider ?><?cs /def ?><?cs
def:url_channel_action(inbox, id, action) ?><?cs var:Site.base ?>/inbox/<?cs var:inbox ?>/channels/<?cs var:id ?>/<?cs var:action ?><?cs /def ?>