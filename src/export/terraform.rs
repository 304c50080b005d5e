//! The hand-over as Terraform (1.5 or newer, hashicorp/aws 6.x): a
//! resource for everything exported and an `import {}` block for each,
//! with the id in the provider's format. Every attribute AWS has is
//! written as AWS returns it (`session_duration` always, `target_type`,
//! the instance ARN as AWS spells it, relay state, the inline policy's
//! exact JSON), so the first plan after the import changes nothing.
//! Files: versions.tf, imports.tf, one file per kind, README.md. Pure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::names::{terraform_ident, Namer};
use super::{Export, Handover};
use crate::model::{Boundary, Contact, Principal, UserDetail};

/// An HCL string literal: quotes, backslashes and control characters
/// escaped, and `${` / `%{` doubled so that nothing in AWS's text is read
/// as a template. Pure.
pub(crate) fn hcl_string(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The resources of one file, and their import blocks.
#[derive(Default)]
struct File {
    text: String,
    imports: Vec<(String, String)>,
}

impl File {
    fn resource(&mut self, kind: &str, name: &str, body: &[String], id: String) {
        let _ = writeln!(self.text, "resource \"{kind}\" \"{name}\" {{");
        for line in align(body) {
            let _ = writeln!(self.text, "  {line}");
        }
        self.text.push_str("}\n\n");
        self.imports.push((format!("{kind}.{name}"), id));
    }
}

/// The key of an attribute line (`key = value`, the key a name or a
/// quoted string), with its indentation: what `terraform fmt` aligns.
fn attribute_key(line: &str) -> Option<(usize, usize)> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let key_len = if let Some(quoted) = rest.strip_prefix('"') {
        let mut escaped = false;
        let mut end = None;
        for (i, c) in quoted.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(i + 2);
                    break;
                }
                _ => {}
            }
        }
        end?
    } else {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))?
    };
    (key_len > 0 && rest[key_len..].starts_with(" = ")).then_some((indent, key_len))
}

/// Lines as `terraform fmt` writes them: the `=` of consecutive
/// single-line attributes at one indentation aligned. Pure.
pub(crate) fn align(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = lines.to_vec();
    let mut i = 0;
    // A multi-line value (`tags = {`) is left as it is and ends a run, as
    // terraform fmt does.
    let single = |line: &str| !(line.ends_with('{') || line.ends_with('['));
    while i < lines.len() {
        let Some((indent, _)) = attribute_key(&lines[i]).filter(|_| single(&lines[i])) else {
            i += 1;
            continue;
        };
        // A run: single-line attributes at this indentation.
        let mut j = i;
        let mut width = 0;
        while j < lines.len() {
            match attribute_key(&lines[j]) {
                Some((ind, key)) if ind == indent && single(&lines[j]) => {
                    width = width.max(key);
                    j += 1;
                }
                _ => break,
            }
        }
        for line in out.iter_mut().take(j).skip(i) {
            if let Some((ind, key)) = attribute_key(line) {
                let pad = " ".repeat(width - key);
                *line = format!("{}{pad}{}", &line[..ind + key], &line[ind + key..]);
            }
        }
        i = j.max(i + 1);
    }
    out
}

fn attr(name: &str, value: &str) -> String {
    format!("{name} = {}", hcl_string(value))
}

fn opt(body: &mut Vec<String>, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        body.push(attr(name, v));
    }
}

/// A block for a contact (email or phone number): every field AWS has.
fn contact(body: &mut Vec<String>, block: &str, c: &Contact) {
    body.push(format!("{block} {{"));
    if let Some(v) = &c.value {
        body.push(format!("  {}", attr("value", v)));
    }
    if let Some(t) = &c.kind {
        body.push(format!("  {}", attr("type", t)));
    }
    if c.primary {
        body.push("  primary = true".to_string());
    }
    body.push("}".to_string());
}

/// Why a user cannot be written so that Terraform plans no change for it
/// (the provider needs a display name and a given and family name, and
/// holds at most one email, phone number and address, and no website,
/// birthdate, photos or roles). Pure.
pub(crate) fn unsupported(u: &UserDetail) -> Option<String> {
    let name = u.name.clone().unwrap_or_default();
    let mut why = Vec::new();
    if u.display_name.is_none() {
        why.push("no display name");
    }
    if name.given_name.is_none() || name.family_name.is_none() {
        why.push("no given and family name");
    }
    if u.emails.len() > 1 || u.phone_numbers.len() > 1 || u.addresses.len() > 1 {
        why.push("more than one email, phone number or address");
    }
    if u.website.is_some() || u.birthdate.is_some() || u.photos > 0 || u.roles > 0 {
        why.push("a website, birthdate, photo or role");
    }
    (!why.is_empty()).then(|| {
        format!(
            "user {}: {} (Terraform's aws_identitystore_user cannot hold it as it is)",
            crate::model::printable(&u.user_name),
            why.join(", ")
        )
    })
}

/// The whole hand-over as Terraform files. Pure.
pub(crate) fn render(h: &Handover) -> Export {
    let mut names = Namer::default();
    let mut left_out = h.left_out.clone();
    // The literal ARN and id, as AWS spells them (a provider that took them
    // from the import id would otherwise plan a replacement).
    let instance = || attr("instance_arn", &h.instance_arn);
    let store = || attr("identity_store_id", &h.identity_store_id);

    // Permission sets and their parts.
    let mut sets = File::default();
    let mut set_refs: BTreeMap<&str, String> = BTreeMap::new();
    for s in &h.sets {
        let o = &s.observed;
        let set = names.unique("aws_ssoadmin_permission_set", terraform_ident(&o.set.name));
        let mut body = vec![instance(), attr("name", &o.set.name)];
        opt(&mut body, "description", o.set.description.as_deref());
        opt(&mut body, "relay_state", o.set.relay_state.as_deref());
        body.push(attr(
            "session_duration",
            o.set.session_duration.as_deref().unwrap_or("PT1H"),
        ));
        if !s.tags.is_empty() {
            body.push("tags = {".to_string());
            for (k, v) in &s.tags {
                body.push(format!("  {} = {}", hcl_string(k), hcl_string(v)));
            }
            body.push("}".to_string());
        }
        sets.resource(
            "aws_ssoadmin_permission_set",
            &set,
            &body,
            format!("{},{}", o.set.arn, h.instance_arn),
        );
        let arn_ref = format!("aws_ssoadmin_permission_set.{set}.arn");
        set_refs.insert(o.set.arn.as_str(), arn_ref.clone());
        let parent = || format!("permission_set_arn = {arn_ref}");
        for policy in &o.managed {
            let short = policy.rsplit('/').next().unwrap_or(policy);
            let name = names.unique(
                "aws_ssoadmin_managed_policy_attachment",
                format!("{set}_{}", terraform_ident(short)),
            );
            sets.resource(
                "aws_ssoadmin_managed_policy_attachment",
                &name,
                &[instance(), parent(), attr("managed_policy_arn", policy)],
                format!("{policy},{},{}", o.set.arn, h.instance_arn),
            );
        }
        for p in &o.customer_managed {
            let name = names.unique(
                "aws_ssoadmin_customer_managed_policy_attachment",
                format!(
                    "{set}_{}",
                    terraform_ident(&format!("{}{}", p.path, p.name))
                ),
            );
            sets.resource(
                "aws_ssoadmin_customer_managed_policy_attachment",
                &name,
                &[
                    instance(),
                    parent(),
                    "customer_managed_policy_reference {".to_string(),
                    format!("  {}", attr("name", &p.name)),
                    format!("  {}", attr("path", &p.path)),
                    "}".to_string(),
                ],
                format!("{},{},{},{}", p.name, p.path, o.set.arn, h.instance_arn),
            );
        }
        if let Some(doc) = &o.inline {
            sets.resource(
                "aws_ssoadmin_permission_set_inline_policy",
                &set,
                &[instance(), parent(), attr("inline_policy", doc)],
                format!("{},{}", o.set.arn, h.instance_arn),
            );
        }
        if let Some(Some(b)) = &o.boundary {
            let inner = match b {
                Boundary::Managed(arn) => vec![format!("  {}", attr("managed_policy_arn", arn))],
                Boundary::CustomerManaged(p) => vec![
                    "  customer_managed_policy_reference {".to_string(),
                    format!("    {}", attr("name", &p.name)),
                    format!("    {}", attr("path", &p.path)),
                    "  }".to_string(),
                ],
            };
            let mut body = vec![instance(), parent(), "permissions_boundary {".to_string()];
            body.extend(inner);
            body.push("}".to_string());
            sets.resource(
                "aws_ssoadmin_permissions_boundary_attachment",
                &set,
                &body,
                format!("{},{}", o.set.arn, h.instance_arn),
            );
        }
    }

    // Groups.
    let mut groups = File::default();
    let mut group_refs: BTreeMap<&str, String> = BTreeMap::new();
    for g in &h.groups {
        let name = names.unique("aws_identitystore_group", terraform_ident(&g.display_name));
        let mut body = vec![store(), attr("display_name", &g.display_name)];
        opt(&mut body, "description", g.description.as_deref());
        groups.resource(
            "aws_identitystore_group",
            &name,
            &body,
            format!("{}/{}", h.identity_store_id, g.id),
        );
        group_refs.insert(
            g.id.as_str(),
            format!("aws_identitystore_group.{name}.group_id"),
        );
    }

    // Users.
    let mut users = File::default();
    let mut user_refs: BTreeMap<&str, String> = BTreeMap::new();
    for u in &h.users {
        if let Some(why) = unsupported(u) {
            left_out.push(why);
            continue;
        }
        let name = names.unique("aws_identitystore_user", terraform_ident(&u.user_name));
        let n = u.name.clone().unwrap_or_default();
        let mut body = vec![store(), attr("user_name", &u.user_name)];
        opt(&mut body, "display_name", u.display_name.as_deref());
        body.push("name {".to_string());
        for (k, v) in [
            ("given_name", &n.given_name),
            ("family_name", &n.family_name),
            ("formatted", &n.formatted),
            ("middle_name", &n.middle_name),
            ("honorific_prefix", &n.honorific_prefix),
            ("honorific_suffix", &n.honorific_suffix),
        ] {
            if let Some(v) = v {
                body.push(format!("  {}", attr(k, v)));
            }
        }
        body.push("}".to_string());
        for e in &u.emails {
            contact(&mut body, "emails", e);
        }
        for p in &u.phone_numbers {
            contact(&mut body, "phone_numbers", p);
        }
        for a in &u.addresses {
            body.push("addresses {".to_string());
            for (k, v) in [
                ("street_address", &a.street_address),
                ("locality", &a.locality),
                ("region", &a.region),
                ("postal_code", &a.postal_code),
                ("country", &a.country),
                ("formatted", &a.formatted),
                ("type", &a.kind),
            ] {
                if let Some(v) = v {
                    body.push(format!("  {}", attr(k, v)));
                }
            }
            if a.primary {
                body.push("  primary = true".to_string());
            }
            body.push("}".to_string());
        }
        opt(&mut body, "nickname", u.nick_name.as_deref());
        opt(&mut body, "profile_url", u.profile_url.as_deref());
        opt(&mut body, "user_type", u.user_type.as_deref());
        opt(&mut body, "title", u.title.as_deref());
        opt(
            &mut body,
            "preferred_language",
            u.preferred_language.as_deref(),
        );
        opt(&mut body, "locale", u.locale.as_deref());
        opt(&mut body, "timezone", u.timezone.as_deref());
        users.resource(
            "aws_identitystore_user",
            &name,
            &body,
            format!("{}/{}", h.identity_store_id, u.id),
        );
        user_refs.insert(
            u.id.as_str(),
            format!("aws_identitystore_user.{name}.user_id"),
        );
    }
    let known = h.names();
    let user_name = |id: &str| known.user(id);
    let group_name = |id: &str| known.group(id);

    // Memberships.
    let mut memberships = File::default();
    for m in &h.memberships {
        let name = names.unique(
            "aws_identitystore_group_membership",
            terraform_ident(&format!(
                "{}_{}",
                user_name(&m.user_id),
                group_name(&m.group_id)
            )),
        );
        let group = group_refs
            .get(m.group_id.as_str())
            .cloned()
            .unwrap_or_else(|| hcl_string(&m.group_id));
        let member = user_refs
            .get(m.user_id.as_str())
            .cloned()
            .unwrap_or_else(|| hcl_string(&m.user_id));
        memberships.resource(
            "aws_identitystore_group_membership",
            &name,
            &[
                store(),
                format!("group_id = {group}"),
                format!("member_id = {member}"),
            ],
            format!("{}/{}", h.identity_store_id, m.id),
        );
    }

    // Assignments.
    let mut assignments = File::default();
    for a in &h.assignments {
        let set = h.set_name(a.permission_set.as_str()).unwrap_or_default();
        let (kind, id, who, principal_ref) = match &a.principal {
            Principal::Group(g) => (
                "GROUP",
                g.as_str(),
                group_name(g.as_str()),
                group_refs.get(g.as_str()).cloned(),
            ),
            Principal::User(u) => (
                "USER",
                u.as_str(),
                user_name(u.as_str()),
                user_refs.get(u.as_str()).cloned(),
            ),
        };
        let name = names.unique(
            "aws_ssoadmin_account_assignment",
            terraform_ident(&super::names::assignment_name(
                set,
                a.account.as_str(),
                &who,
            )),
        );
        let set_ref = set_refs
            .get(a.permission_set.as_str())
            .cloned()
            .unwrap_or_else(|| hcl_string(a.permission_set.as_str()));
        assignments.resource(
            "aws_ssoadmin_account_assignment",
            &name,
            &[
                instance(),
                format!("permission_set_arn = {set_ref}"),
                format!(
                    "principal_id = {}",
                    principal_ref.unwrap_or_else(|| hcl_string(id))
                ),
                attr("principal_type", kind),
                attr("target_id", a.account.as_str()),
                attr("target_type", "AWS_ACCOUNT"),
            ],
            format!(
                "{id},{kind},{},AWS_ACCOUNT,{},{}",
                a.account, a.permission_set, h.instance_arn
            ),
        );
    }

    let mut files: Vec<(PathBuf, String)> = Vec::new();
    files.push((PathBuf::from("versions.tf"), versions(h)));
    let mut imports = String::from(
        "# Adopts what exists: `terraform plan` imports each resource and should\n# plan no change; `terraform apply` records them in the state.\n\n",
    );
    for (file, part) in [
        ("permission_sets.tf", &sets),
        ("groups.tf", &groups),
        ("users.tf", &users),
        ("group_memberships.tf", &memberships),
        ("account_assignments.tf", &assignments),
    ] {
        for (to, id) in &part.imports {
            let _ = writeln!(
                imports,
                "import {{\n  to = {to}\n  id = {}\n}}\n",
                hcl_string(id)
            );
        }
        if !part.text.is_empty() {
            files.push((PathBuf::from(file), part.text.trim_end().to_string() + "\n"));
        }
    }
    files.push((
        PathBuf::from("imports.tf"),
        imports.trim_end().to_string() + "\n",
    ));
    files.push((PathBuf::from("README.md"), readme(h, &left_out)));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Export { files, left_out }
}

fn versions(h: &Handover) -> String {
    format!(
        "# Written by `ssosetup export terraform`.\n\nterraform {{\n  required_version = \">= 1.5.0\"\n  required_providers {{\n    aws = {{\n      source  = \"hashicorp/aws\"\n      version = \"~> 6.0\"\n    }}\n  }}\n}}\n\nprovider \"aws\" {{\n  region = {}\n}}\n",
        hcl_string(&h.region),
    )
}

fn readme(h: &Handover, left_out: &[String]) -> String {
    let mut text = format!(
        "# IAM Identity Center, handed over to Terraform\n\nWritten by `ssosetup export terraform` from the instance {} (identity store {}, home region {}).\n\nWith credentials for the account that runs Identity Center (Terraform 1.5 or newer):\n\n    terraform init\n    terraform plan      # imports every resource (imports.tf); it should plan no change\n    terraform apply     # records them in the state\n\nThen set `[iac] owner = \"terraform\"` in ssosetup's config: ssosetup reports drift in these resources and never writes them.\n",
        h.instance_arn, h.identity_store_id, h.region
    );
    if !left_out.is_empty() {
        text.push_str("\nLeft out:\n\n");
        for l in left_out {
            let _ = writeln!(text, "- {l}");
        }
    }
    text
}
