//! The forms AWS gives names and values, checked without any call: what
//! validation, the wizard's questions and backups share.

/// User names Identity Center reserves for itself.
const RESERVED_USER_NAMES: [&str; 2] = ["Administrator", "AWSAdministrators"];

/// `[\w+=,.@-]{1,max}` as AWS writes it (`\w` is ASCII letters, digits, `_`).
pub(crate) fn is_aws_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn is_region(s: &str) -> bool {
    // e.g. us-east-1, ap-southeast-1, us-gov-west-1, eu-central-2
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n > 0)
}

pub(crate) fn is_group_name(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 1024 && s.trim() == s
}

pub(crate) fn is_aws_managed_policy_arn(arn: &str) -> bool {
    [
        "arn:aws:iam::aws:policy/",
        "arn:aws-cn:iam::aws:policy/",
        "arn:aws-us-gov:iam::aws:policy/",
    ]
    .iter()
    .find_map(|prefix| arn.strip_prefix(prefix))
    .is_some_and(|rest| {
        !rest.is_empty() && !rest.ends_with('/') && rest.split('/').all(|seg| is_aws_name(seg, 128))
    })
}

/// Seconds in an ISO-8601 `PT..H..M..S` duration, when it is within
/// Identity Center's PT1H..PT12H.
pub(crate) fn session_duration_seconds(s: &str) -> Option<u32> {
    let rest = s.strip_prefix("PT")?;
    if rest.is_empty() {
        return None;
    }
    let mut total: u32 = 0;
    let mut number = String::new();
    let mut last_unit = 0; // H=1, M=2, S=3, in that order only
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let (unit, factor) = match c {
            'H' => (1, 3600),
            'M' => (2, 60),
            'S' => (3, 1),
            _ => return None,
        };
        if number.is_empty() || unit <= last_unit || number.len() > 6 {
            return None;
        }
        total = total.checked_add(number.parse::<u32>().ok()?.checked_mul(factor)?)?;
        number.clear();
        last_unit = unit;
    }
    if !number.is_empty() {
        return None;
    }
    (3600..=43_200).contains(&total).then_some(total)
}

pub(crate) fn check_user_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 128 {
        return Err("1 to 128 characters".into());
    }
    if name.chars().any(char::is_whitespace) {
        return Err("a user name without spaces, such as \"alice\" or \"alice.doe\"".into());
    }
    if RESERVED_USER_NAMES
        .iter()
        .any(|r| r.eq_ignore_ascii_case(name))
    {
        return Err("any name but \"Administrator\" and \"AWSAdministrators\", which Identity Center reserves".into());
    }
    Ok(())
}

/// One plain address `local@domain.tld`: what Identity Center needs to send
/// the one-time code. Display forms (`Alice <a@b>`) and lists are refused.
pub(crate) fn check_email(email: &str) -> Result<(), String> {
    const WHY: &str = "one email address such as \"alice@example.com\"";
    let Some((local, domain)) = email.split_once('@') else {
        return Err(WHY.into());
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(WHY.into())
    }
}

pub(crate) fn check_profile_template(t: &str) -> Result<(), String> {
    const PLACEHOLDERS: [&str; 3] = ["{permission_set}", "{account_id}", "{account_name}"];
    let mut rest = t.to_string();
    for ph in PLACEHOLDERS {
        rest = rest.replace(ph, "");
    }
    if rest.contains('{') || rest.contains('}') {
        return Err(
            "a name template using only {permission_set}, {account_id} and {account_name}".into(),
        );
    }
    if t.is_empty()
        || t.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '[' || c == ']')
    {
        return Err("a profile name template without spaces or brackets, such as \"{permission_set}-{account_id}\"".into());
    }
    Ok(())
}

/// The access portal URL the AWS CLI signs in at: an https URL with a host,
/// no whitespace or control characters (it is written into the AWS CLI
/// config file, where a line break would start a section of its own).
pub(crate) fn check_start_url(url: &str) -> Result<(), String> {
    const ALLOWED: &str =
        "the access portal URL, such as \"https://d-1234567890.awsapps.com/start\"";
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{ALLOWED}, with no spaces, tabs or line breaks"));
    }
    let host_follows = url
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    match url::Url::parse(url) {
        Ok(u)
            if host_follows
                && u.scheme() == "https"
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(())
        }
        _ => Err(format!("{ALLOWED} (https:// and a host)")),
    }
}

/// Whether a start URL has the usual form `https://<alias or d-id>.awsapps.com/start`.
pub(crate) fn is_usual_start_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.host_str()
            .is_some_and(|h| h.ends_with(".awsapps.com") && h.split('.').count() == 3)
            && u.path().trim_end_matches('/').ends_with("/start")
    })
}
