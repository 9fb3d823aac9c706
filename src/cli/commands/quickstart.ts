import { runQuickstart, steps } from "../../apps/quickstart.js";
import { sotuYears } from "../../text/bundled.js";
import { EmbedlmError } from "../../util/errors.js";
import { action } from "../common.js";
import type { Register } from "./index.js";

export const register: Register = (program) => {
  program
    .command("quickstart")
    .description(
      "The main job: a tour of embedlm on the bundled corpus (State of the Union addresses + Moby-Dick)",
    )
    .option(
      "--steps <names>",
      `run only these steps, comma-separated (${steps.map((s) => s.name).join(", ")})`,
    )
    .addHelpText(
      "after",
      `
Examples:
  embedlm quickstart                  # the same as npm start
  embedlm quickstart --steps tokenization
  embedlm quickstart --json --quiet   # results as one JSON object`,
    )
    .action(
      action(async (ctx, flags: { steps?: string }) => {
        const only = flags.steps
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        for (const name of only ?? []) {
          if (!steps.some((s) => s.name === name)) {
            throw new EmbedlmError(`unknown step '${name}'; steps: ${steps.map((s) => s.name).join(", ")}`, {
              field: "--steps",
            });
          }
        }
        const { first, last } = sotuYears();
        ctx.log(
          `embedlm quickstart: State of the Union addresses (${first}-${last}) and Moby-Dick, bundled with the package`,
        );
        return runQuickstart(ctx, only);
      }),
    );
};
