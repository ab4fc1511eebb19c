-- Who is who: a Slack user's login on the forge (GitHub, or Forgejo/Gitea), proven with a one-time code the person
-- put in their forge profile (`/rodizio link`). Logins declared in the config file are not stored here.

CREATE TABLE identity_links (
  slack_user  TEXT    PRIMARY KEY,                 -- Slack user id
  login       TEXT    NOT NULL,                    -- forge login, as the forge spells it
  linked_ms   BIGINT  NOT NULL
);

CREATE INDEX identity_links_login ON identity_links (login);

-- A link being proven: the code the person must show in their profile, until it expires. One per Slack user.
CREATE TABLE identity_challenges (
  slack_user  TEXT    PRIMARY KEY,
  login       TEXT    NOT NULL,
  code        TEXT    NOT NULL,
  created_ms  BIGINT  NOT NULL,
  expires_ms  BIGINT  NOT NULL
);
