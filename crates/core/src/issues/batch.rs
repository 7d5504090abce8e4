//! What a batch of deliveries (or a sync run) remembers between items: each connection's issue
//! target, with the projects found or made for its containers. A savepoint taken here puts that
//! memory back as it was when it is rolled back or dropped, since what it made is gone.

use std::collections::HashMap;

use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};
use stint_api_types::providers::ProviderKey;
use uuid::Uuid;

use super::tasks::{IssueTarget, PendingWrites};

/// Whose issues: the organisation's connection of a provider, or one member's own connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKey {
    Organisation(ProviderKey),
    Connection(Uuid),
}

impl TargetKey {
    pub fn of(connector: &stint_connectors::Connector, connection: Option<Uuid>) -> TargetKey {
        match connection {
            Some(id) => TargetKey::Connection(id),
            None => TargetKey::Organisation(connector.spec.key),
        }
    }
}

/// The issue targets a batch has loaded (`None`: not connected, or no tracker).
#[derive(Default)]
pub struct Batch {
    targets: HashMap<TargetKey, Option<IssueTarget>>,
}

impl Batch {
    pub fn target(&self, key: TargetKey) -> Option<Option<&IssueTarget>> {
        self.targets.get(&key).map(Option::as_ref)
    }

    pub fn insert(&mut self, key: TargetKey, target: Option<IssueTarget>) {
        self.targets.insert(key, target);
    }

    /// What every target made and changed and has not written yet.
    pub fn take_pending(&self) -> PendingWrites {
        let mut pending = PendingWrites::default();
        for target in self.targets.values().flatten() {
            pending.append(target.take_pending());
        }
        pending
    }

    /// A savepoint in `txn` that restores this batch's memory unless committed.
    pub async fn savepoint<'b>(
        &'b mut self,
        parent: &'b DatabaseTransaction,
    ) -> Result<Savepoint<'b>, DbErr> {
        let txn = parent.begin().await?;
        let remembered = self
            .targets
            .iter()
            .map(|(key, target)| (*key, target.as_ref().map(|t| t.remembered_projects())))
            .collect();
        Ok(Savepoint {
            parent,
            txn: Some(txn),
            batch: self,
            remembered,
        })
    }

    fn restore(&mut self, remembered: &HashMap<TargetKey, Option<HashMap<String, Uuid>>>) {
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
    parent: &'b DatabaseTransaction,
    txn: Option<DatabaseTransaction>,
    batch: &'b mut Batch,
    remembered: HashMap<TargetKey, Option<HashMap<String, Uuid>>>,
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

    /// Takes back what was done inside, memory included, and begins again from the same point.
    pub async fn restart(&mut self) -> Result<(), DbErr> {
        self.batch.restore(&self.remembered);
        if let Some(txn) = self.txn.take() {
            txn.rollback().await?;
        }
        self.txn = Some(self.parent.begin().await?);
        Ok(())
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

#[cfg(test)]
mod tests {
    use sea_orm::TransactionTrait;

    use super::*;

    #[tokio::test]
    async fn a_savepoint_not_committed_takes_back_what_the_batch_remembered() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let txn = db.begin().await.unwrap();
        let mut batch = Batch::default();
        let github = TargetKey::Organisation(ProviderKey::Github);
        let loaded_inside = TargetKey::Connection(Uuid::now_v7());
        let (kept, made) = (Uuid::now_v7(), Uuid::now_v7());
        batch.insert(github, Some(IssueTarget::detached(Uuid::now_v7())));
        let target = |batch: &Batch| batch.target(github).flatten().unwrap().clone();
        target(&batch).remember_project("octo/kept", kept);

        // Rolled back, and dropped open: both forget what was made inside.
        for commit in [Some(false), None] {
            let mut savepoint = batch.savepoint(&txn).await.unwrap();
            let (_, inside) = savepoint.parts().unwrap();
            target(inside).remember_project("octo/made", made);
            inside.insert(loaded_inside, None);
            if commit == Some(false) {
                savepoint.rollback().await.unwrap();
            } else {
                drop(savepoint);
            }
            assert_eq!(target(&batch).remembered_project("octo/made"), None);
            assert_eq!(target(&batch).remembered_project("octo/kept"), Some(kept));
            assert!(batch.target(loaded_inside).is_none());
        }

        // Restarted: what was made inside is forgotten, and the savepoint is open again.
        let mut savepoint = batch.savepoint(&txn).await.unwrap();
        target(savepoint.parts().unwrap().1).remember_project("octo/made", made);
        savepoint.restart().await.unwrap();
        let (_, inside) = savepoint.parts().unwrap();
        assert_eq!(target(inside).remembered_project("octo/made"), None);
        target(inside).remember_project("octo/made", made);
        savepoint.commit().await.unwrap();
        assert_eq!(target(&batch).remembered_project("octo/made"), Some(made));
    }
}
