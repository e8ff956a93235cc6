import { render, screen } from '@testing-library/preact'
import { describe, expect, it } from 'vitest'
import { Chart } from './Chart'

describe('Chart', () => {
  it('says the numbers are in the table, without loading uPlot, where the browser gives no 2D canvas context (this DOM has none)', async () => {
    expect(document.createElement('canvas').getContext('2d')).toBeNull()
    render(<Chart label="Decisions per day" x={['2025-03-01', '2025-03-02']} series={[{ label: 'Accept all', values: [3, 4], color: '#000' }]} kind="lines" />)
    expect(screen.getByRole('img', { name: 'Decisions per day' })).toBeTruthy()
    expect(await screen.findByText('The chart could not be drawn; the numbers are in the table.')).toBeTruthy()
    expect(screen.queryByRole('img')).toBeNull()
  })
})
