//! Enrolling a device with a one-time code an administrator issued (see [`crate::admin`]): HQ
//! registers the device and hands it a secret, which HQ keeps only as a hash.

use crate::auth::{new_secret, normalise_code, sha256_hex};
use crate::error::ApiError;
use crate::storage::DeviceRow;
use crate::HqState;
use beatbook_domain::protocol::{EnrolRequest, EnrolResponse};
use chrono::Utc;

/// Use up the enrolment code and register the device.
pub async fn enrol(state: &HqState, req: EnrolRequest) -> Result<EnrolResponse, ApiError> {
    if req.device_name.trim().is_empty() || req.device_name.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "give the device a name of 1 to 100 characters".into(),
        ));
    }
    let secret = new_secret();
    if state.storage.device(req.device_id).await?.is_some() {
        return Err(ApiError::Conflict(
            "a device with this id is already enrolled: wipe and set up the device again".into(),
        ));
    }
    let device = DeviceRow {
        id: req.device_id,
        name: req.device_name.trim().to_owned(),
        secret_hash: sha256_hex(&secret),
        app_version: req.app_version.chars().take(40).collect(),
        enrolled_at: Utc::now(),
        revoked_at: None,
        last_seen_at: None,
        next_seq: 1,
    };
    let code_hash = sha256_hex(&normalise_code(&req.code));
    if !state
        .storage
        .enrol_device(&code_hash, &device, Utc::now())
        .await?
    {
        crate::admin_log::record(
            state,
            crate::admin_log::AdminEvent::new(
                None,
                "enrolment_refused",
                format!(
                    "A tablet named “{}” was refused enrolment: the code was unknown, already used or expired.",
                    device.name
                ),
            ),
        )
        .await?;
        return Err(ApiError::Forbidden(
            "the enrolment code is unknown, already used or expired: ask HQ for a new one".into(),
        ));
    }
    tracing::info!(device = %device.id, name = %device.name, "device enrolled");
    crate::admin_log::record(
        state,
        crate::admin_log::AdminEvent::new(
            None,
            "device_enrolled",
            format!(
                "Enrolled the tablet “{}” (app {}) with a one-time code.",
                device.name, device.app_version
            ),
        ),
    )
    .await?;
    Ok(EnrolResponse {
        device_id: device.id,
        device_secret: secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::hq;
    use beatbook_domain::DeviceId;

    fn request(code: &str, device_id: DeviceId, name: &str) -> EnrolRequest {
        EnrolRequest {
            code: code.into(),
            device_id,
            device_name: name.into(),
            app_version: "0.1.0".into(),
        }
    }

    #[tokio::test]
    async fn a_code_enrols_one_device_once_however_it_is_typed() {
        let hq = hq().await;
        let code = crate::admin::enrolment_code(hq.state.storage.as_ref(), 1)
            .await
            .unwrap();
        let typed = code.to_lowercase().replace('-', " ");
        let id = DeviceId::new();
        let e = enrol(&hq.state, request(&code, id, "  ")).await.err();
        assert!(matches!(e, Some(ApiError::BadRequest(_))), "{e:?}");
        let enrolled = enrol(&hq.state, request(&typed, id, " Tablet 14 "))
            .await
            .unwrap();
        assert_eq!(enrolled.device_id, id);
        let row = hq.state.storage.device(id).await.unwrap().unwrap();
        assert_eq!(row.name, "Tablet 14");
        assert_eq!(row.secret_hash, sha256_hex(&enrolled.device_secret));
        // The same device again, and the used code for another device.
        let e = enrol(&hq.state, request(&code, id, "Tablet 14"))
            .await
            .err();
        assert!(matches!(e, Some(ApiError::Conflict(_))), "{e:?}");
        let e = enrol(&hq.state, request(&code, DeviceId::new(), "Tablet 15"))
            .await
            .err();
        assert!(matches!(e, Some(ApiError::Forbidden(_))), "{e:?}");
    }
}
