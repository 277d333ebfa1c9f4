// Hash routes (#/activities/12): the api role serves the build as static files without a fallback to
// index.html, so a reload of a deep link must not depend on the server knowing our routes.
import { createHashRouter } from "react-router";
import { SignInPage, SignUpPage } from "../auth/AuthPages";
import { VerifyEmailPage } from "../auth/EmailVerification";
import { ActivitiesPage } from "../activities/ActivitiesPage";
import { ActivityDetailPage } from "../activities/ActivityDetailPage";
import { ChatPage } from "../chat/ChatPage";
import { DashboardPage } from "../dashboard/DashboardPage";
import { FeedPage } from "../feed/FeedPage";
import { GearPage } from "../gear/GearPage";
import { NotesPage } from "../notes/NotesPage";
import { PlanPage } from "../plan/PlanPage";
import { RacesPage } from "../races/RacesPage";
import { SettingsPage } from "../settings/SettingsPage";
import { StrengthPage } from "../strength/StrengthPage";
import { Shell } from "./Shell";
import { NotFound } from "./NotFound";

export const router = createHashRouter([
  { path: "/signin", element: <SignInPage /> },
  { path: "/signup", element: <SignUpPage /> },
  { path: "/verify-email", element: <VerifyEmailPage /> },
  {
    path: "/",
    element: <Shell />,
    children: [
      { index: true, element: <DashboardPage /> },
      { path: "chat", element: <ChatPage /> },
      { path: "chat/:threadId", element: <ChatPage /> },
      { path: "activities", element: <ActivitiesPage /> },
      { path: "activities/:activityId", element: <ActivityDetailPage /> },
      { path: "feed", element: <FeedPage /> },
      { path: "plan", element: <PlanPage /> },
      { path: "notes", element: <NotesPage /> },
      { path: "strength", element: <StrengthPage /> },
      { path: "gear", element: <GearPage /> },
      { path: "races", element: <RacesPage /> },
      { path: "settings", element: <SettingsPage /> },
      { path: "*", element: <NotFound /> },
    ],
  },
]);
