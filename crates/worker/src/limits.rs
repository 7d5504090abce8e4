//! How many jobs of one provider run at once in this process, so a slow or rate-limited provider
//! holds at most its own share of the worker and never starves the others.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use stint_api_types::providers::ProviderKey;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct ProviderLimits {
    per_provider: usize,
    semaphores: Mutex<HashMap<ProviderKey, Arc<Semaphore>>>,
}

impl ProviderLimits {
    pub fn new(per_provider: usize) -> ProviderLimits {
        ProviderLimits {
            per_provider: per_provider.max(1),
            semaphores: Mutex::default(),
        }
    }

    /// Waits for a free slot of `provider`.
    pub async fn acquire(&self, provider: ProviderKey) -> Option<OwnedSemaphorePermit> {
        let semaphore = self
            .semaphores
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(provider)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_provider)))
            .clone();
        semaphore.acquire_owned().await.ok()
    }
}

/// One turn at a time per user for jobs whose order the user sees (a timer's start and stop
/// notices): their jobs wait here in the order they arrive.
#[derive(Default)]
pub struct UserTurns(Mutex<HashMap<uuid::Uuid, Arc<tokio::sync::Mutex<()>>>>);

impl UserTurns {
    pub async fn take(&self, user: uuid::Uuid) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = {
            let mut turns = self.0.lock().unwrap_or_else(|p| p.into_inner());
            if turns.len() > 10_000 {
                // Forget turns nobody holds or waits for.
                turns.retain(|_, turn| Arc::strong_count(turn) > 1);
            }
            turns.entry(user).or_default().clone()
        };
        turn.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_provider_cannot_take_the_slots_of_another() {
        let limits = ProviderLimits::new(2);
        let _a = limits.acquire(ProviderKey::Github).await;
        let _b = limits.acquire(ProviderKey::Github).await;
        let third = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            limits.acquire(ProviderKey::Github),
        )
        .await;
        assert!(third.is_err(), "a third GitHub job must wait");
        let other = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            limits.acquire(ProviderKey::Slack),
        )
        .await;
        assert!(other.is_ok(), "Slack has slots of its own");
    }
}
