//! Areas, worked out on the device from the reference areas HQ sent at sign-in: which wards and
//! town centres a point falls in (a point in an overlap is in several), and every area with its
//! boundary for the map.

use beatbook_domain::area::{Area, GeoPoint};
use beatbook_domain::tablet::AreaRef;

use crate::{DeviceError, Session, Tablet};

impl Tablet {
    /// Every area the point falls in. A point off the map is refused before the lock is looked
    /// at.
    pub async fn areas_at(&self, lat: f64, lon: f64) -> Result<Vec<AreaRef>, DeviceError> {
        let point = GeoPoint { lat, lon };
        if !point.validate().is_empty() {
            return Err(DeviceError::NotOnMap);
        }
        self.require_session()?
            .with_store(move |s| {
                let ids = s.areas_at(point);
                Ok(s.area_refs(&ids))
            })
            .await
    }
}

impl Session {
    /// Every area with its boundary.
    pub async fn areas(&self) -> Result<Vec<Area>, DeviceError> {
        self.with_store(|s| Ok(s.areas().to_vec())).await
    }
}
