import { describe, expect, it } from "vitest";
import { renderWith, textOf } from "../testing/render";
import { ResourceListCard, useResourceList } from "./ResourceList";

interface Bottle {
  id: number;
  name: string;
  litres: number;
}
interface Shelf {
  bottles: Bottle[];
  note: string | null;
}

function Bottles() {
  const state = useResourceList<Shelf, Bottle>({
    key: "bottles",
    fetch: () => new Promise<Shelf>(() => undefined),
    remove: () => Promise.resolve(null),
  });
  return (
    <ResourceListCard
      state={state}
      title="Bottles"
      toggleLabel="show empty"
      items={(shelf) => shelf.bottles}
      headers={["Name", "Litres"]}
      intro={(shelf) => shelf.note && <p className="note">{shelf.note}</p>}
      empty="No bottles yet."
      cells={(b) => (
        <>
          <td>{b.name}</td>
          <td>{b.litres}</td>
        </>
      )}
      actions={(b) => <button type="button">Refill {b.name}</button>}
      describe={(b) => ({ name: b.name, what: `Delete the bottle ${b.name}`, args: { bottle_id: b.id } })}
    />
  );
}

describe("ResourceListCard", () => {
  it("lists the items with their cells, own actions and a Delete named after each", () => {
    const shelf: Shelf = {
      bottles: [
        { id: 1, name: "Blue", litres: 0.75 },
        { id: 2, name: "Red", litres: 0.5 },
      ],
      note: "Red leaks.",
    };
    const html = renderWith(<Bottles />, [{ key: ["bottles", false], data: shelf }]);
    expect(textOf(html)).toContain("Bottles show empty Red leaks.");
    expect(html).toMatch(/<th scope="col">Name<\/th><th scope="col">Litres<\/th><th scope="col"><span class="visually-hidden">Actions<\/span><\/th>/);
    expect(html.match(/<tr>/g)).toHaveLength(3); // the header and two items
    expect(textOf(html)).toContain("Blue 0.75 Refill Blue Delete Red 0.5 Refill Red Delete");
    expect(html).toContain('aria-label="Delete Blue"');
    expect(html).toContain('aria-label="Delete Red"');
    expect(html).not.toContain("No bottles yet.");
    expect(html).not.toContain('role="alert"');
  });

  it("says so when there is nothing, and shows no table", () => {
    const html = renderWith(<Bottles />, [{ key: ["bottles", false], data: { bottles: [], note: null } }]);
    expect(textOf(html)).toContain("No bottles yet.");
    expect(html).not.toContain("<table");
  });

  it("shows loading until the list arrives, and the list's error when it fails", () => {
    expect(renderWith(<Bottles />)).toContain('role="status"');
    const failed = renderWith(<Bottles />, [{ key: ["bottles", false], data: new Error("The server had a problem. Try again in a moment.") }]);
    expect(failed).toContain('role="alert"');
    expect(textOf(failed)).toContain("The server had a problem. Try again in a moment.");
    expect(failed).not.toContain("<table");
  });

  it("keeps the approval dialog closed until a Delete is clicked", () => {
    const html = renderWith(<Bottles />, [{ key: ["bottles", false], data: { bottles: [{ id: 1, name: "Blue", litres: 1 }], note: null } }]);
    expect(html).toMatch(/<dialog[^>]*class="approval"/);
    expect(html).not.toMatch(/<dialog[^>]* open/);
  });
});
