//! Slack's slash-command form.

use stint_connectors::ChatCommand;

/// From the form-encoded body. Fields Stint does not read (the legacy verification `token`,
/// `response_url`) are dropped here and never stored.
pub(super) fn parse(body: &[u8]) -> Result<ChatCommand, String> {
    let mut command = ChatCommand::default();
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "user_id" => command.member = value.into_owned(),
            "command" => command.command = value.into_owned(),
            "text" => command.text = value.into_owned(),
            "trigger_id" => command.trigger_id = value.into_owned(),
            "team_id" => command.workspace = value.into_owned(),
            _ => {}
        }
    }
    if command.member.is_empty() || command.command.is_empty() {
        return Err("a slash command needs `user_id` and `command`".to_owned());
    }
    Ok(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_form_parses_and_drops_the_token() {
        let body = b"token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001&enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test&user_id=U2147483697&user_name=Steve&command=/weather&text=94070&response_url=https://hooks.slack.com/commands/1234/5678&trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456";
        let command = parse(body).unwrap();
        assert_eq!(command.member, "U2147483697");
        assert_eq!(command.command, "/weather");
        assert_eq!(command.text, "94070");
        assert_eq!(command.workspace, "T0001");
        assert_eq!(
            command.trigger_id,
            "13345224609.738474920.8088930838d88f008e0"
        );
        assert!(!format!("{command:?}").contains("gIkuvaNzQIHg97ATvDxqgjtO"));
        assert!(parse(b"text=x").is_err());
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_body_is_parsed_or_refused_without_panic(body in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let _ = parse(&body);
        }

        #[test]
        fn the_fields_come_back_as_sent(
            member in "[A-Z0-9]{1,16}",
            text in ".{0,200}",
            trigger in ".{0,64}",
        ) {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("token", "legacy")
                .append_pair("user_id", &member)
                .append_pair("command", "/tt")
                .append_pair("text", &text)
                .append_pair("trigger_id", &trigger)
                .finish();
            let command = parse(body.as_bytes()).map_err(TestCaseError::fail)?;
            prop_assert_eq!(command.member, member);
            prop_assert_eq!(command.command, "/tt");
            prop_assert_eq!(command.text, text);
            prop_assert_eq!(command.trigger_id, trigger);
        }
    }
}
