import { AvailabilitySettings } from "./AvailabilitySettings";
import { Integrations } from "./Integrations";
import { ModelSettings } from "./ModelSettings";
import { NotificationSettings } from "./NotificationSettings";
import { ProfileSettings } from "./ProfileSettings";
import { Telegram } from "./Telegram";

export function SettingsPage() {
  return (
    <div className="stack">
      <h1>Settings</h1>
      <div className="grid">
        <ProfileSettings />
        <AvailabilitySettings />
        <Integrations />
        <ModelSettings />
        <Telegram />
        <NotificationSettings />
      </div>
    </div>
  );
}
