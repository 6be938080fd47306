-- pandoc Lua filter for the man pages (Makefile `man`; docs/packaging.md, "Man pages").
-- A table whose text fits the 80-column terminal page stays a table, sized by tbl to its
-- contents. A wider one would wrap its cells into narrow columns, one word per line, so it
-- becomes a definition list (.TP): each row's first cell is the term, and the other cells
-- follow it, each on its own line after its column's header ("fix it prints: ..."); with
-- two columns the second cell is the whole definition. Every cell's text is kept.
-- The Markdown sources keep their tables, which GitHub shows as tables.

local stringify = pandoc.utils.stringify

-- The room a table has on an 80-column terminal: 7 columns of indent, 1 of margin.
local ROOM = 72
-- pandoc writes a column's width as its fraction of the page times 70, in n (characters).
local PANDOC_N = 70

local function cell_inlines(cell)
  local out = pandoc.List()
  for i, block in ipairs(cell.contents) do
    if i > 1 then out:insert(pandoc.Space()) end
    if block.content then out:extend(block.content) end
  end
  return out
end

local function rows_of(tbl)
  local rows = pandoc.List()
  for _, body in ipairs(tbl.bodies) do
    rows:extend(body.head)
    rows:extend(body.body)
  end
  return rows
end

-- A table inside a list or quote is indented further: count how deep (lists are filtered
-- after their contents, so an inner list has counted before the outer one counts again).
local function deepen(el)
  return pandoc.walk_block(el, {
    Table = function(tbl)
      tbl.attr.attributes.depth = tostring((tonumber(tbl.attr.attributes.depth) or 0) + 1)
      return tbl
    end,
  })
end

local function table_to_man(tbl)
  local room = ROOM - 5 * (tonumber(tbl.attr.attributes.depth) or 0)
  local header = tbl.head.rows[1]
  local rows = rows_of(tbl)
  local widths = {}
  for _, row in ipairs(header and { header, table.unpack(rows) } or rows) do
    for j, cell in ipairs(row.cells) do
      widths[j] = math.max(widths[j] or 0, utf8.len(stringify(cell.contents)) or 0)
    end
  end
  local total = 0
  for _, w in ipairs(widths) do total = total + w + 1 end
  total = total + 3 * (#widths - 1)
  if total <= room then
    -- Fits: each column as wide as its widest cell (tbl would otherwise wrap text blocks).
    for j, spec in ipairs(tbl.colspecs) do tbl.colspecs[j] = { spec[1], (widths[j] + 1) / PANDOC_N } end
    return tbl
  end
  local items = pandoc.List()
  if header and #header.cells == 2 then
    -- Two columns: the header row stays, as the first tag and its text (bold).
    items:insert({ { pandoc.Strong(cell_inlines(header.cells[1])) },
      { { pandoc.Para({ pandoc.Strong(cell_inlines(header.cells[2])) }) } } })
  end
  for _, row in ipairs(rows) do
    local term = cell_inlines(row.cells[1])
    local lines = pandoc.List()
    for j = 2, #row.cells do
      local text = cell_inlines(row.cells[j])
      if #text > 0 then
        -- A line break in man: pandoc's LineBreak would end the .TP indent.
        if #lines > 0 or #row.cells > 2 then lines:insert(pandoc.RawInline("man", "\n.br\n")) end
        if #row.cells > 2 and header then
          lines:insert(pandoc.Str(stringify(header.cells[j].contents) .. ":"))
          lines:insert(pandoc.Space())
        end
        lines:extend(text)
      end
    end
    items:insert({ term, { { pandoc.Para(lines) } } })
  end
  return pandoc.DefinitionList(items)
end

return {
  { BulletList = deepen, OrderedList = deepen, DefinitionList = deepen, BlockQuote = deepen },
  { Table = table_to_man },
}
