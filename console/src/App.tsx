/**
 * Routes. The Studio, the run view (canvas, editors), Connections, MCP, Agents, Chat and Analytics
 * (charts) are loaded on demand so the first page stays small.
 */
import { lazy, Suspense } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { Shell } from "./components/Shell";
import { AcceptInvite } from "./pages/AcceptInvite";
import { CommandCenter } from "./pages/CommandCenter";
import { RunsList } from "./pages/RunsList";
import { SignIn } from "./pages/SignIn";
import { WorkflowList } from "./pages/WorkflowList";
import { SettingsPage } from "./settings/SettingsPage";
import { useSession } from "./session/SessionContext";

const Studio = lazy(() => import("./studio/Studio"));
const RunView = lazy(() => import("./runs/RunView"));
const Connections = lazy(() => import("./integrations/Connections"));
const Mcp = lazy(() => import("./integrations/Mcp"));
const Analytics = lazy(() => import("./analytics/AnalyticsPage"));
const Agents = lazy(() => import("./agents/AgentsPage"));
const Chat = lazy(() => import("./chat/ChatPage"));

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route path="/invites/:token" element={<AcceptInvite />} />
      <Route element={<RequireSession />}>
        <Route path="/" element={<Navigate to="/workflow" replace />} />
        <Route path="/workflow" element={<WorkflowList />} />
        <Route path="/workflow/:id" element={<Lazy><Studio /></Lazy>} />
        <Route path="/workflow/:id/runs/:runId" element={<Lazy><RunView /></Lazy>} />
        <Route path="/runs" element={<RunsList />} />
        <Route path="/command-center" element={<CommandCenter />} />
        <Route path="/analytics" element={<Lazy><Analytics /></Lazy>} />
        <Route path="/connections" element={<Lazy><Connections /></Lazy>} />
        <Route path="/mcp" element={<Lazy><Mcp /></Lazy>} />
        <Route path="/agents" element={<Lazy><Agents /></Lazy>} />
        {/* One route for both, so opening a thread keeps the page (its list and mode) mounted. */}
        <Route path="/chat/:threadId?" element={<Lazy><Chat /></Lazy>} />
        <Route path="/providers" element={<Navigate to="/settings/providers" replace />} />
        <Route path="/settings/*" element={<SettingsPage />} />
        <Route path="*" element={<p className="page">This page does not exist.</p>} />
      </Route>
    </Routes>
  );
}

function Lazy({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<p className="page" role="status">Loading…</p>}>{children}</Suspense>;
}

/** Sends signed-out users to the sign-in page, then back where they were going. */
function RequireSession() {
  const { me, loadError } = useSession();
  const location = useLocation();
  if (me === undefined) return <p className="page" role="status">Loading…</p>;
  if (me === null) {
    if (loadError) return <p className="page error" role="alert">{loadError}</p>;
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  return <Shell />;
}
