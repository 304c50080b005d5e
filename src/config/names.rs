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
    crate::model::AccountId::parse(s).is_ok()
}

/// An account's name as Organizations allows it: 1 to 50 printable ASCII
/// characters, not only spaces.
pub(crate) fn is_account_name(s: &str) -> bool {
    (1..=50).contains(&s.len())
        && s.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !s.trim().is_empty()
}

/// An account target: `all`, an account id, an account's name, or an
/// `ou:` target.
pub(crate) fn is_account_target(s: &str) -> bool {
    s == "all"
        || is_account_id(s)
        || is_ou_target(s)
        || (!s.starts_with("ou:") && is_account_name(s))
}

/// `ou:` and an OU's id (`ou-ab12-cdef3456`), or a name or path from the
/// root (`Workloads/Prod`): names of 1 to 128 characters, no control
/// characters.
pub(crate) fn is_ou_target(s: &str) -> bool {
    s.strip_prefix("ou:").is_some_and(|spec| {
        !spec.is_empty()
            && spec.split('/').all(|part| {
                (1..=128).contains(&part.chars().count())
                    && !part.chars().any(char::is_control)
                    && !part.trim().is_empty()
            })
    })
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

/// A group's display name as the identity store takes it: 1 to 1024
/// letters, marks, symbols, numbers and punctuation, with spaces, tabs and
/// line breaks among them (AWS allows a trailing space: `"Ops "` is a name
/// of its own). Control characters other than those, other kinds of
/// space, and invisible format characters are refused. Pure.
pub(crate) fn is_group_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 1024
        && s.chars().any(|c| !c.is_whitespace())
        && s.chars().all(|c| match c {
            '\t' | '\n' | '\r' | ' ' | '\u{a0}' | '\u{3000}' => true,
            c if c.is_control() || c.is_whitespace() => false,
            // Format characters (zero-width, direction marks, BOM) and
            // private use: not letters, marks, symbols, numbers or punctuation.
            '\u{ad}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{e000}'..='\u{f8ff}' => false,
            _ => true,
        })
}

/// A permission set's relay state as AWS takes it: 1 to 240 characters of
/// `[a-zA-Z0-9&$@#\\/%?=~-_'"|!:,.;*+[] (){}]` (an `http://` intranet page
/// is one). Pure.
pub(crate) fn is_relay_state(s: &str) -> bool {
    (1..=240).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"&$@#\\/%?=~-_'\"|!:,.;*+[] (){}".contains(&b))
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
    // What a profile name is made of (the AWS CLI config, a shell and a
    // command line read nothing else specially): letters, digits, _ . - + = , @
    if t.is_empty()
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-+=,@".contains(c))
    {
        return Err("a profile name template of letters, digits, _ . - + = , @ and the placeholders, such as \"{permission_set}-{account_id}\"".into());
    }
    Ok(())
}

/// An alias of the AWS access portal, as AWS accepts one (its directory
/// alias): 1 to 62 letters, digits and hyphens, a letter or digit at
/// either end, and not `d-...` (that form is the identity store's own id).
/// Letters are lowercase, as a host name is written. Pure.
pub(crate) fn is_portal_alias(label: &str) -> bool {
    (1..=62).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
        && !label.starts_with("d-")
}

/// An identity store id of the form the default portal URL is made of:
/// `d-` and ten hex digits.
pub(crate) fn is_directory_id(label: &str) -> bool {
    label.strip_prefix("d-").is_some_and(|hex| {
        hex.len() == 10
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// What the first part of a portal URL may be: an alias or a `d-` id.
fn is_portal_label(label: &str) -> bool {
    is_portal_alias(label) || is_directory_id(label)
}

/// The forms an AWS access portal URL takes, for the error messages.
const PORTAL_FORMS: &str = "an AWS access portal URL: https://<alias or d-id>.awsapps.com/start (https://start.us-gov-home.awsapps.com/directory/<alias or d-id> in GovCloud, https://start.home.awsapps.cn/directory/<alias or d-id> in China, or https://ssoins-<id>.portal.<region>.app.aws); the alias is 1 to 62 lowercase letters, digits and hyphens";

/// Whether `url` is an AWS access portal URL, as the Identity Center
/// console shows it: `https://<alias or d-id>.awsapps.com/start` (and
/// `.awsapps.cn`), GovCloud's and China's `/directory/<alias or d-id>`
/// forms, or the newer `https://ssoins-<16 hex>.portal.<region>.app.aws`.
/// Nothing else: no other host (a look-alike such as
/// `acme.awsapps.com.example.net`), no user, port or query; a trailing `/`
/// or `/#` (as the console copies it) is fine. Pure.
pub(crate) fn is_portal_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    // The host and path as typed: no user (`@`), port (`:`), query (`?`)
    // or anything the URL parser would have to normalise.
    if rest.is_empty()
        || !rest
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-./#".contains(&b))
    {
        return false;
    }
    let rest = rest
        .strip_suffix("/#")
        .or_else(|| rest.strip_suffix('#'))
        .unwrap_or(rest);
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let labels: Vec<&str> = host.split('.').collect();
    match (labels.as_slice(), path) {
        ([label, "awsapps", "com" | "cn"], "start") => is_portal_label(label),
        (["start", "us-gov-home", "awsapps", "com"], p)
        | (["start", _, "us-gov-home", "awsapps", "com"], p)
        | (["start", "home", "awsapps", "cn"], p) => {
            let region_ok = labels.len() != 5 || is_region(labels[1]);
            region_ok && p.strip_prefix("directory/").is_some_and(is_portal_label)
        }
        ([instance, "portal", region, "app", "aws"], "") => {
            is_region(region)
                && instance.strip_prefix("ssoins-").is_some_and(|id| {
                    id.len() == 16
                        && id
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                })
        }
        _ => false,
    }
}

/// The access portal URL the AWS CLI signs in at (and every new user is
/// sent to): an AWS access portal URL ([`is_portal_url`]). With
/// `allow_custom` (the config's `allow_custom_start_url = true`), any https
/// URL with a host, for a portal behind a proxy of one's own (a warning
/// each run says so). Either way no whitespace or control characters: the
/// URL is written into the AWS CLI config file, where a line break would
/// start a section of its own.
pub(crate) fn check_start_url(url: &str, allow_custom: bool) -> Result<(), String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{PORTAL_FORMS}, with no spaces, tabs or line breaks"
        ));
    }
    if is_portal_url(url) {
        return Ok(());
    }
    if !allow_custom {
        return Err(format!(
            "{PORTAL_FORMS} (another URL only with allow_custom_start_url = true at the top of the file)"
        ));
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
        _ => Err("an https:// URL with a host (allow_custom_start_url allows one that is not an AWS access portal URL, nothing else)".into()),
    }
}
