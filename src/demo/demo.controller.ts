import { Controller, Get, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Public } from '../common/decorators/auth.decorators';
import { clientPackageDir } from './demo.paths';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
// Names only, no separators: nothing outside the two folders can be asked for.
const ASSET = /^[a-z0-9-]+\.(js|css)$/;
const SDK_FILE = /^(react\/)?[a-z0-9-.]+\.js$/;

/**
 * /demo: a page built on the SDK's browser build (packages/client/dist/esm),
 * served from the service itself so REST and WebSocket are same-origin and
 * need no CORS or WS_ALLOWED_ORIGINS. Registered only when DEMO_ENABLED.
 */
@ApiExcludeController()
@Public()
@Controller('demo')
export class DemoController {
  private readonly pageDir = join(clientPackageDir(), 'demo');
  private readonly sdkDir = join(clientPackageDir(), 'dist', 'esm');

  @Get()
  page(@Res() res: Response): void {
    this.send(res, join(this.pageDir, 'index.html'));
  }

  @Get('sdk/*path')
  sdk(@Param('path') path: string | string[], @Res() res: Response): void {
    const file = Array.isArray(path) ? path.join('/') : path;
    if (!SDK_FILE.test(file)) throw new NotFoundException();
    if (!existsSync(join(this.sdkDir, 'index.js'))) {
      throw new ServiceUnavailableException('The SDK is not built: run `npm run build -w @portcullis/client` (npm run build does it too)');
    }
    this.send(res, join(this.sdkDir, file));
  }

  @Get(':asset')
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (!ASSET.test(asset)) throw new NotFoundException();
    this.send(res, join(this.pageDir, asset));
  }

  private send(res: Response, file: string): void {
    if (!existsSync(file)) throw new NotFoundException();
    // no-store: the page and SDK change with the checkout; a stale cached SDK would hide that.
    res.set('Cache-Control', 'no-store').type(TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream').sendFile(file);
  }
}
