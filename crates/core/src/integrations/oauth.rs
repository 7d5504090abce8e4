//! The OAuth 2.0 connect flow: a single-use, expiring state bound to the user, provider, mode and
//! the browser that asked (a cookie), PKCE S256 where the provider supports it, and a callback
//! that either stores a whole connection or nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use stint_api_types::providers::{AuthKind, IntegrationScope, ProviderKey};
use stint_entity::oauth_state;
use uuid::Uuid;

use super::provider_apps::{self, EffectiveApp};
use super::scope::Purpose;
use crate::auth::Principal;
use crate::context::Stint;
use crate::crypto::SecretSlot;
use crate::error::CoreError;
use crate::secret::{random_bytes, sha256_hex};
use stint_connectors::AppCredentials;
use stint_connectors::ProviderSpec;

const STATE_LIFETIME_MINUTES: i64 = 10;

/// Where the callback sends the browser: fixed paths of the web app, never a caller's URL.
pub const RETURN_PATH: &str = "/integrations";

pub struct ConnectStart {
    pub authorization_url: String,
    pub expires_at: DateTime<Utc>,
    /// Set as a cookie scoped to the callback: a state only completes in the browser that began.
    pub browser_binding: String,
}

fn state_hash(state: &str, binding: &str) -> String {
    sha256_hex(format!("{state}\n{binding}").as_bytes())
}

/// Checks that `principal` may connect `key` in `scope`, and that the provider is ready.
pub(crate) fn check_may_connect(
    principal: &Principal,
    spec: &ProviderSpec,
    app: &EffectiveApp,
    scope: IntegrationScope,
) -> Result<(), CoreError> {
    if scope == IntegrationScope::Global {
        principal.require_admin()?;
    }
    if !spec.modes(app.allow_personal).contains(&scope) {
        return Err(CoreError::invalid(
            "scope",
            format!(
                "{} cannot be connected as a {} integration here",
                spec.display_name,
                scope.as_str()
            ),
        ));
    }
    if !app.enabled {
        return Err(CoreError::Conflict(format!(
            "{} is disabled by an admin",
            spec.display_name
        )));
    }
    if !app.configured(spec) {
        return Err(CoreError::Conflict(format!(
            "{} is not set up yet: an admin must enter its app credentials first",
            spec.display_name
        )));
    }
    Ok(())
}

pub async fn connect(
    stint: &Stint,
    principal: &Principal,
    key: ProviderKey,
    scope: Option<IntegrationScope>,
) -> Result<ConnectStart, CoreError> {
    principal.require_scope(stint_api_types::auth::Scope::Write)?;
    let scope = super::scope::chosen(stint, principal, key, scope, Purpose::Connect).await?;
    let spec = provider_apps::spec(stint, key)?;
    if spec.auth_kind != AuthKind::Oauth2 {
        return Err(CoreError::invalid(
            "provider",
            format!(
                "{} connects with an API key: use its credentials endpoint",
                spec.display_name
            ),
        ));
    }
    let app = provider_apps::load(stint, key).await?;
    check_may_connect(principal, spec, &app, scope)?;
    let client_id = app.client_id.clone().unwrap_or_default();

    let state = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let binding = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let verifier = spec
        .pkce
        .then(|| URL_SAFE_NO_PAD.encode(random_bytes::<32>()));
    let now = stint.clock.now();
    let expires_at = now + Duration::minutes(STATE_LIFETIME_MINUTES);
    let id = Uuid::now_v7();
    let verifier_enc = verifier
        .as_ref()
        .map(|v| {
            let slot = SecretSlot {
                table: "oauth_states",
                row: &id.to_string(),
                field: "pkce_verifier",
            };
            stint
                .keys
                .encrypt(v, slot)
                .map_err(|e| CoreError::Internal(e.to_string()))
        })
        .transpose()?;
    oauth_state::ActiveModel {
        id: Set(id),
        state_hash: Set(state_hash(&state, &binding)),
        user_id: Set(principal.user_id.as_uuid()),
        provider: Set(key.as_str().to_owned()),
        scope: Set(scope.as_str().to_owned()),
        pkce_verifier_enc: Set(verifier_enc),
        return_to: Set(Some(RETURN_PATH.to_owned())),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(&stint.db)
    .await?;

    let redirect_uri = format!("{}{}", stint.config.public_url, spec.redirect_path());
    let mut url = url::Url::parse(&spec.authorize_url)
        .map_err(|e| CoreError::Internal(format!("{key} authorize URL: {e}")))?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", &spec.default_scopes.join(spec.scope_separator))
            .append_pair("state", &state);
        if let Some(verifier) = &verifier {
            let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(
                &ring::digest::SHA256,
                verifier.as_bytes(),
            ));
            query
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
        }
        for (name, value) in &spec.extra_authorize_params {
            query.append_pair(name, value);
        }
    }
    Ok(ConnectStart {
        authorization_url: url.into(),
        expires_at,
        browser_binding: binding,
    })
}

/// What the provider sent back to the callback.
#[derive(Debug, Default)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    /// QuickBooks' company id, sent only on its callback.
    pub realm_id: Option<String>,
}

/// How a callback ended; the HTTP layer turns it into a redirect to the web app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    Connected,
    /// A stable, URL-safe reason: `access_denied`, `invalid_state`, `state_expired`,
    /// `provider_error`, `token_exchange_failed`, `identity_failed`, `not_configured`,
    /// `not_allowed`, `internal`.
    Failed(&'static str),
}

pub async fn callback(
    stint: &Stint,
    key: ProviderKey,
    params: CallbackParams,
    binding: Option<&str>,
) -> CallbackOutcome {
    match complete(stint, key, params, binding).await {
        Ok(()) => CallbackOutcome::Connected,
        Err(Failure::Known(reason)) => {
            tracing::info!(provider = %key, reason, "OAuth connection not completed");
            CallbackOutcome::Failed(reason)
        }
        Err(Failure::Core(err)) => {
            tracing::error!(provider = %key, error = %err, cause = ?std::error::Error::source(&err), "OAuth callback failed");
            CallbackOutcome::Failed("internal")
        }
    }
}

enum Failure {
    Known(&'static str),
    Core(CoreError),
}

impl From<CoreError> for Failure {
    fn from(err: CoreError) -> Self {
        Failure::Core(err)
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(err: sea_orm::DbErr) -> Self {
        Failure::Core(err.into())
    }
}

async fn complete(
    stint: &Stint,
    key: ProviderKey,
    params: CallbackParams,
    binding: Option<&str>,
) -> Result<(), Failure> {
    let state = params
        .state
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .ok_or(Failure::Known("invalid_state"))?;
    let binding = binding.ok_or(Failure::Known("invalid_state"))?;
    let row = oauth_state::Entity::find()
        .filter(oauth_state::Column::StateHash.eq(state_hash(&state, binding)))
        .one(&stint.db)
        .await?
        .ok_or(Failure::Known("invalid_state"))?;
    if row.provider != key.as_str() {
        return Err(Failure::Known("invalid_state"));
    }
    let now = stint.clock.now();
    // Spend the state first, atomically: of two callbacks racing with one state, one proceeds.
    let spent = oauth_state::Entity::update_many()
        .col_expr(
            oauth_state::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(oauth_state::Column::Id.eq(row.id))
        .filter(oauth_state::Column::UsedAt.is_null())
        .exec(&stint.db)
        .await?;
    if spent.rows_affected != 1 {
        return Err(Failure::Known("invalid_state"));
    }
    if row.expires_at <= now {
        return Err(Failure::Known("state_expired"));
    }
    if let Some(error) = params.error {
        return Err(Failure::Known(if error == "access_denied" {
            "access_denied"
        } else {
            "provider_error"
        }));
    }
    let code = params
        .code
        .filter(|c| !c.is_empty())
        .ok_or(Failure::Known("provider_error"))?;

    let connector = provider_apps::connector(stint, key)?;
    let spec = &connector.spec;
    let app = provider_apps::load(stint, key).await?;
    let (Some(client_id), true) = (app.client_id.clone(), app.configured(spec)) else {
        return Err(Failure::Known("not_configured"));
    };
    // Whoever started must still be active and still allowed to connect at that scope (an admin
    // demoted, a member disabled or personal mode switched off in the ten minutes since).
    let scope: IntegrationScope = crate::wire::from_wire_name(&row.scope)?;
    let actor = match crate::users::active_principal(stint, row.user_id).await? {
        Some(actor) => actor,
        None => return Err(Failure::Known("not_allowed")),
    };
    if check_may_connect(&actor, spec, &app, scope).is_err() {
        return Err(Failure::Known("not_allowed"));
    }
    let credentials = AppCredentials {
        client_id,
        client_secret: app.client_secret.clone(),
    };
    let verifier = row
        .pkce_verifier_enc
        .as_deref()
        .map(|v| {
            let slot = SecretSlot {
                table: "oauth_states",
                row: &row.id.to_string(),
                field: "pkce_verifier",
            };
            stint
                .keys
                .decrypt(v, slot)
                .map_err(|e| CoreError::Internal(e.to_string()))
        })
        .transpose()?;
    let redirect_uri = format!("{}{}", stint.config.public_url, spec.redirect_path());
    let grant = stint
        .integrations
        .oauth
        .exchange_code(spec, &credentials, &code, verifier.as_ref(), &redirect_uri)
        .await
        .map_err(|err| {
            tracing::warn!(provider = %key, error = %err, "token exchange failed");
            Failure::Known("token_exchange_failed")
        })?;
    let identity = connector
        .account
        .identity(spec, &grant.access_token)
        .await
        .map_err(|err| {
            tracing::warn!(provider = %key, error = %err, "could not read the connected account");
            Failure::Known("identity_failed")
        })?;
    let identity = identity.or_else(|| {
        connector
            .account
            .identity_from_callback(params.realm_id.as_deref())
    });

    super::connections::save_connected(stint, &actor, key, scope, identity, &grant).await?;
    Ok(())
}
