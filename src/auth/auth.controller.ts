import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Request, Response } from 'express';
import { AuthUser, CurrentUser, Public } from '../common/decorators/auth.decorators';
import { toPublicUser, UsersService } from '../users/users.service';
import { AuthService, ClientMeta } from './auth.service';
import { LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto';
import { ApiErrors } from '../common/openapi/api-errors';
import { UserResponse } from '../users/dto/user.response';
import { TokenPairResponse, WsTicketResponse } from './dto/auth.responses';

const meta = (req: Request): ClientMeta => ({ ip: req.ip, userAgent: req.headers['user-agent'] });

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService, private readonly users: UsersService) {}

  @Public()
  @ApiCreatedResponse({ type: UserResponse })
  @ApiErrors(400, 403, 409)
  @Post('register')
  async register(@Body() dto: RegisterDto) {
    return toPublicUser(await this.auth.register(dto));
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiErrors(400, 401, 403, 429)
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    return this.auth.login(dto.email, dto.password, meta(req));
  }

  @Public()
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiErrors(400, 401, 403)
  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    return this.auth.refresh(dto.refreshToken, meta(req));
  }

  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'The session is revoked; its sockets close 4001' })
  @ApiErrors(401, 403)
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() user: AuthUser, @Req() req: Request): Promise<void> {
    await this.auth.logout(user, meta(req));
  }

  @ApiBearerAuth()
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(401, 403)
  @Get('me')
  async me(@CurrentUser() user: AuthUser) {
    return toPublicUser(await this.users.get(user.userId));
  }

  @ApiBearerAuth()
  @ApiCreatedResponse({ type: WsTicketResponse })
  @ApiErrors(401, 403)
  @Post('ws-ticket')
  @HttpCode(201)
  wsTicket(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    return this.auth.issueTicket(user);
  }
}
