//! The typed API client. Every call goes to the same origin with the session cookie; calls that
//! change something carry the CSRF header the API asks of cookie sessions. A failure carries the
//! problem document's `detail`, which pages show as it is.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use stint_api_types::{ErrorCode, Problem};

const CSRF_HEADER: &str = "X-Stint-Csrf";

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: Option<ErrorCode>,
    pub detail: String,
}

impl ApiError {
    fn network(err: gloo_net::Error) -> Self {
        ApiError {
            status: 0,
            code: None,
            detail: format!(
                "Stint could not be reached ({err}). Check your connection and try again."
            ),
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

async fn failure(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<Problem>().await {
        Ok(problem) => ApiError {
            status,
            code: Some(problem.code),
            detail: problem.detail,
        },
        Err(_) => ApiError {
            status,
            code: None,
            detail: format!("Stint answered {status} without an explanation."),
        },
    }
}

async fn checked(request: Result<Request, gloo_net::Error>) -> ApiResult<Response> {
    let response = request
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    if response.ok() {
        Ok(response)
    } else {
        let error = failure(response).await;
        if error.is_unauthorized() {
            crate::session::expired();
        }
        Err(error)
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    let status = response.status();
    response.json::<T>().await.map_err(|err| ApiError {
        status,
        code: None,
        detail: format!("Stint's answer could not be read ({err})."),
    })
}

fn changing(builder: RequestBuilder) -> RequestBuilder {
    builder.header(CSRF_HEADER, "1")
}

pub async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    decode(checked(Request::get(path).build()).await?).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    decode(checked(changing(Request::post(path)).json(body)).await?).await
}

pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    decode(checked(changing(Request::put(path)).json(body)).await?).await
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<T> {
    decode(checked(changing(Request::patch(path)).json(body)).await?).await
}

/// A change whose answer has no body (`204`) or whose body the page does not need.
pub async fn send<B: Serialize>(method: &str, path: &str, body: Option<&B>) -> ApiResult<()> {
    let builder = changing(match method {
        "POST" => Request::post(path),
        "PUT" => Request::put(path),
        _ => Request::delete(path),
    });
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    };
    checked(request).await.map(|_| ())
}

/// Encodes one query-string value.
pub fn query_value(value: &str) -> String {
    js_sys::encode_uri_component(value).into()
}
