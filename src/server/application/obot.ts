/** The Obot link and its drift repair, as the answering replica last saw them. */
import { z } from "zod";
import { obotStatus } from "../obot/status";
import { useCase } from "./use-case";

export const obotStatusUseCase = useCase({
  name: "obot.status",
  role: "viewer",
  mutates: false,
  args: z.object({}),
  run: async ({ services }) => obotStatus(services),
});
