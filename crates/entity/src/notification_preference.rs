use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub timer_notifications: bool,
    pub daily_summary_enabled: bool,
    /// `HH:MM` in the user's time zone.
    pub daily_summary_time: Option<String>,
    pub daily_summary_last_sent_on: Option<DateTimeUtc>,
    /// The user's local date the last summary was for (`YYYY-MM-DD`): at most one per local day.
    pub daily_summary_sent_for: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
