//! What a batch of deliveries (or a sync run) remembers between items: each connection's issue
//! target, with the projects found or made for its containers. A savepoint taken here puts that
//! memory back as it was when it is rolled back or dropped, since what it made is gone.

use std::collections::HashMap;

use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};
use stint_api_types::providers::ProviderKey;
use uuid::Uuid;

use super::tasks::IssueTarget;

/// The issue targets a batch has loaded, by provider (`None`: not connected, or no tracker).
#[derive(Default)]
pub struct Batch {
    targets: HashMap<ProviderKey, Option<IssueTarget>>,
}

impl Batch {
    pub fn target(&self, key: ProviderKey) -> Option<Option<&IssueTarget>> {
        self.targets.get(&key).map(Option::as_ref)
    }

    pub fn insert(&mut self, key: ProviderKey, target: Option<IssueTarget>) {
        self.targets.insert(key, target);
    }

    pub fn targets(&self) -> impl Iterator<Item = &IssueTarget> {
        self.targets.values().flatten()
    }

    /// A savepoint in `txn` that restores this batch's memory unless committed.
    pub async fn savepoint<'b>(
        &'b mut self,
        txn: &DatabaseTransaction,
    ) -> Result<Savepoint<'b>, DbErr> {
        let txn = txn.begin().await?;
        let remembered = self
            .targets
            .iter()
            .map(|(key, target)| (*key, target.as_ref().map(|t| t.remembered_projects())))
            .collect();
        Ok(Savepoint {
            txn: Some(txn),
            batch: self,
            remembered,
        })
    }

    fn restore(&mut self, remembered: &HashMap<ProviderKey, Option<HashMap<String, Uuid>>>) {
        // Targets loaded inside the savepoint are loaded again when next needed.
        self.targets.retain(|key, _| remembered.contains_key(key));
        for (key, target) in &self.targets {
            if let (Some(target), Some(Some(projects))) = (target, remembered.get(key)) {
                target.restore_projects(projects.clone());
            }
        }
    }
}

/// A savepoint and the batch whose memory it guards.
pub struct Savepoint<'b> {
    txn: Option<DatabaseTransaction>,
    batch: &'b mut Batch,
    remembered: HashMap<ProviderKey, Option<HashMap<String, Uuid>>>,
}

impl Savepoint<'_> {
    /// The savepoint's transaction and the batch, to apply with.
    pub fn parts(&mut self) -> Result<(&DatabaseTransaction, &mut Batch), DbErr> {
        match &self.txn {
            Some(txn) => Ok((txn, self.batch)),
            None => Err(DbErr::Custom("the savepoint is closed".into())),
        }
    }

    pub async fn commit(mut self) -> Result<(), DbErr> {
        match self.txn.take() {
            Some(txn) => txn.commit().await,
            None => Ok(()),
        }
    }

    pub async fn rollback(mut self) -> Result<(), DbErr> {
        self.batch.restore(&self.remembered);
        match self.txn.take() {
            Some(txn) => txn.rollback().await,
            None => Ok(()),
        }
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        // Dropped open: the transaction rolls back, and so does the memory.
        if self.txn.is_some() {
            self.batch.restore(&self.remembered);
        }
    }
}
